"""Which definition is the latest published one per key, as each server process knows it.

Business rule tasks and call activities bound to `latest` (Camunda's default) resolve their
decision or process when they are reached, and a start resolves the process it starts: the
resolution must cost no statement of its own on a hot path. Each tenant's catalog has a version
(`catalog_versions`: a random id, replaced in the transaction of every deploy and status change);
what a process resolved is cached under the version it was resolved at, and is stale when the
version changes.

How a process learns the version: every start reads it in the one statement that finds the
definition to start (`latest_definition_id`), so after a deployment the next start in any gunicorn
process sees it, and whatever that start reaches resolves afresh. Elsewhere (a task completed, a
timer fired, a message) the version is trusted for `TRUST_SECONDS` after it was read, then read
again (one small statement, at most once per interval, and only by a step that resolves something).
So another process uses a new version at its next start, or within 2 s; the process that deployed,
at once.
"""

from __future__ import annotations

import threading
import time
import uuid

from sqlalchemy import bindparam, select
from sqlalchemy.dialects import postgresql, sqlite

from app.extensions import db
from app.models import CatalogVersion, Definition
from app.models.definitions import PUBLISHED
from app.services.prepared import Prepared

TRUST_SECONDS = 2.0
_lock = threading.Lock()
_known: dict[str, tuple[object, float]] = {}  # tenant -> (catalog version, monotonic time read)
_latest: dict[tuple, tuple[object, object]] = {}  # (tenant, kind, key) -> (catalog version, definition id)


def latest_definition_id(tenant_id: str, kind: str, key: str, status: str = PUBLISHED):
    """The id of the latest version of `key` in `status` (None if none), read with the tenant's
    catalog version. Every start asks it, so it goes on the driver's cursor."""
    db.session.flush()  # (a definition deployed in this transaction counts)
    row = _LATEST_ID.first({"tenant_id": tenant_id, "kind": kind, "key": key, "status": status})
    if row is None:
        return None
    note(tenant_id, row[1])
    return row[0]


def latest_published_id(tenant_id: str, kind: str, key: str):
    """`latest_definition_id` of a published version, from this process's cache while the tenant's
    catalog version is the one it was cached at: no statement in the steady state."""
    version = current_version(tenant_id)
    cached = _latest.get((tenant_id, kind, key))
    if cached is not None and cached[0] == version:
        return cached[1]
    found = latest_definition_id(tenant_id, kind, key)
    with _lock:
        _latest[(tenant_id, kind, key)] = (_known.get(tenant_id, (version,))[0], found)
    return found


def current_version(tenant_id: str):
    """The tenant's catalog version as this process knows it, read again when older than TRUST_SECONDS."""
    known = _known.get(tenant_id)
    if known is not None and time.monotonic() - known[1] <= TRUST_SECONDS:
        return known[0]
    row = _VERSION.first({"tenant_id": tenant_id})  # on the driver's cursor, mid-step: no autoflush
    version = row[0] if row is not None else None
    note(tenant_id, version)
    return version


def note(tenant_id: str, version) -> None:
    with _lock:
        _known[tenant_id] = (version, time.monotonic())


def bump(tenant_id: str) -> uuid.UUID:
    """Give the tenant a new catalog version in the current transaction; `note` it after the commit."""
    version = uuid.uuid4()
    dialect = db.session.get_bind().dialect.name
    insert = (postgresql if dialect == "postgresql" else sqlite).insert(CatalogVersion)
    statement = insert.values(tenant_id=tenant_id, version=version).on_conflict_do_update(
        index_elements=["tenant_id"], set_={"version": version}
    )
    db.session.execute(statement)
    return version


_VERSION = Prepared(select(CatalogVersion.version).where(CatalogVersion.tenant_id == bindparam("tenant_id")))
_LATEST_ID = Prepared(
    select(
        Definition.id,
        select(CatalogVersion.version)
        .where(CatalogVersion.tenant_id == bindparam("tenant_id"))
        .scalar_subquery(),
    )
    .where(
        Definition.tenant_id == bindparam("tenant_id"),
        Definition.kind == bindparam("kind"),
        Definition.key == bindparam("key"),
        Definition.status == bindparam("status"),
    )
    .order_by(Definition.version.desc())
    .limit(1)
)
