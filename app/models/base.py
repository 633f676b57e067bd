"""Column helpers shared by every aggregate."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import DateTime, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

DEFAULT_TENANT = "default"


def utcnow() -> datetime:
    return datetime.now(UTC)


def uuid_pk() -> Mapped[uuid.UUID]:
    return mapped_column(Uuid, primary_key=True, default=uuid.uuid4)


def tenant_column() -> Mapped[str]:
    # Composite indexes that lead with tenant_id cover lookups; no lone tenant index to maintain.
    return mapped_column(String(64), nullable=False, default=DEFAULT_TENANT)


def created_column() -> Mapped[datetime]:
    return mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)
