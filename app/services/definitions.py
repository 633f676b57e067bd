"""Definition versions: finding the latest or a given one, listing them, publishing and deprecating.

Deploying new versions is app.services.deployments.
"""

from __future__ import annotations

from functools import cache

from sqlalchemy import bindparam, func, select

from app.errors import NotFound, ValidationError
from app.extensions import db
from app.models import Definition, User
from app.models.definitions import DEFINITION_STATUSES, DEPRECATED, DRAFT, PUBLISHED
from app.services import audit, catalog
from app.services.start_timers import schedule_start_timers


def latest_definition(tenant_id: str, kind: str, key: str, statuses=None) -> Definition | None:
    query = _latest_query(tuple(statuses or ()), Definition)
    params = {"tenant_id": tenant_id, "kind": kind, "key": key}
    return db.session.execute(query, params).scalar_one_or_none()


@cache
def _latest_query(statuses: tuple, what):
    """Built once per status filter and selection: every start asks it."""
    query = select(what).where(
        Definition.tenant_id == bindparam("tenant_id"),
        Definition.kind == bindparam("kind"),
        Definition.key == bindparam("key"),
    )
    if statuses:
        query = query.where(Definition.status.in_(statuses))
    return query.order_by(Definition.version.desc()).limit(1)


def list_definitions(tenant_id: str, kind: str = "bpmn", limit: int = 50, offset: int = 0):
    """Latest version of each definition key, with its count of versions."""
    latest = (
        select(Definition.key, func.max(Definition.version).label("v"))
        .where(Definition.tenant_id == tenant_id, Definition.kind == kind)
        .group_by(Definition.key)
        .subquery()
    )
    query = (
        select(Definition)
        .join(latest, (Definition.key == latest.c.key) & (Definition.version == latest.c.v))
        .where(Definition.tenant_id == tenant_id, Definition.kind == kind)
    )
    total = db.session.execute(select(func.count()).select_from(latest)).scalar_one()
    items = db.session.execute(query.order_by(Definition.key).limit(limit).offset(offset)).scalars().all()
    return items, total


def get_definition(tenant_id: str, key: str, kind: str = "bpmn", version: int | None = None) -> Definition:
    query = select(Definition).where(
        Definition.tenant_id == tenant_id, Definition.kind == kind, Definition.key == key
    )
    if version is not None:
        query = query.where(Definition.version == version)
    found = db.session.execute(query.order_by(Definition.version.desc()).limit(1)).scalar_one_or_none()
    if found is None:
        raise NotFound(
            f"{_NOUNS.get(kind, kind)} definition '{key}'"
            f"{f' version {version}' if version else ''} does not exist"
        )
    return found


_NOUNS = {"bpmn": "process", "dmn": "decision"}


def versions_of(tenant_id: str, key: str, kind: str = "bpmn") -> list[Definition]:
    return list(
        db.session.execute(
            select(Definition)
            .where(Definition.tenant_id == tenant_id, Definition.kind == kind, Definition.key == key)
            .order_by(Definition.version)
        ).scalars()
    )


def set_status(
    tenant_id: str,
    key: str,
    status: str,
    version: int | None = None,
    actor: User | None = None,
    kind: str = "bpmn",
) -> Definition:
    """Publish or deprecate a version of a process or decision (the latest when no version is given).

    The tenant's catalog version changes with it, so `latest` bindings and starts resolve afresh."""
    if status not in DEFINITION_STATUSES or status == DRAFT:
        raise ValidationError(f"status must be '{PUBLISHED}' or '{DEPRECATED}'", {"field": "status"})
    definition = get_definition(tenant_id, key, kind, version)
    before, definition.status = definition.status, status
    audit.record(
        actor, f"definition.{status}", definition, before={"status": before}, after={"status": status}
    )
    latest = latest_definition(tenant_id, kind, key, statuses=(PUBLISHED,)) if kind == "bpmn" else None
    if latest is not None:  # a draft's timer start events begin with its publication; deprecating
        schedule_start_timers([latest])  # the latest gives them back to the version now starting
    catalog_version = catalog.bump(tenant_id)
    db.session.commit()
    catalog.note(tenant_id, catalog_version)
    return definition
