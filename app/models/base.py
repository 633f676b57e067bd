"""Column helpers shared by every aggregate."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import cast

from sqlalchemy import DateTime, String, Table, TypeDecorator, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model

DEFAULT_TENANT = "default"


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """A timestamp with its zone: a naive one (SQLite's, or one a caller built) was written in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def table_of(model: type[Model]) -> Table:
    """The Table a model maps. SQLAlchemy types `__table__` as any FromClause (a class may map a join
    or a select); each of Baton's models maps one table."""
    return cast(Table, model.__table__)


def column_length(model: type[Model], name: str) -> int:
    """The length of a model's String column: what longer text the database refuses."""
    return cast(String, table_of(model).c[name].type).length or 0


class _UtcOnSqlite(TypeDecorator):
    """SQLite has no time zones: it keeps the UTC wall time, and this reads it back as UTC.

    Without it a row read back from SQLite had no offset while the object just written had one,
    so the same timestamp answered with `+00:00` after a POST and without it after a GET.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return value.astimezone(UTC) if value is not None and value.tzinfo is not None else value

    def process_result_value(self, value, dialect):
        return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


# Every timestamp column: timestamptz on PostgreSQL (psycopg reads it aware, at no extra cost).
UtcDateTime = DateTime(timezone=True).with_variant(_UtcOnSqlite(), "sqlite")


def uuid_pk() -> Mapped[uuid.UUID]:
    return mapped_column(Uuid, primary_key=True, default=uuid.uuid4)


def tenant_column() -> Mapped[str]:
    # Composite indexes that lead with tenant_id cover lookups; no lone tenant index to maintain.
    return mapped_column(String(64), nullable=False, default=DEFAULT_TENANT)


def created_column() -> Mapped[datetime]:
    return mapped_column(UtcDateTime, nullable=False, default=utcnow)
