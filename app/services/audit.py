"""The audit trail: every state change appends one hash-chained entry, in the caller's transaction.

Tamper evidence: each entry stores the hash of the previous entry of its tenant and its own hash
over its canonical JSON (sorted keys, no whitespace) including that previous hash. Changing, removing
or inserting an entry breaks the chain from that point; `verify_chain` names the first broken link.

Serialisation point: two transactions appending at once would both read the same "latest" entry and
fork the chain. On PostgreSQL `record` takes a transaction-scoped advisory lock per tenant
(pg_advisory_xact_lock) before reading the latest entry, so appends queue until the holder commits
or rolls back; SQLite serialises writers anyway. A unique (tenant_id, seq) index is the backstop.
The cost is that audited writes of one tenant commit one at a time.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC
from typing import Any

from sqlalchemy import bindparam, func, insert, select, text

from app.errors import ValidationError
from app.extensions import db
from app.models import AuditEntry, User
from app.models.base import DEFAULT_TENANT, utcnow
from app.services.prepared import Prepared

GENESIS = "0" * 64
_OBJECT_TYPES = {
    "Definition": "definition",
    "Deployment": "deployment",
    "ProcessInstance": "instance",
    "UserTask": "task",
    "User": "user",
    "Group": "group",
    "ApiToken": "token",
    "Secret": "secret",
    "Signature": "signature",
}
_HASHED = (
    "tenant_id",
    "seq",
    "at",
    "actor",
    "actor_id",
    "action",
    "object_type",
    "object_id",
    "before",
    "after",
    "reason",
    "prev_hash",
)


def canonical(value: Any) -> str:
    """Canonical JSON: sorted keys, no whitespace, UTF-8 kept (the form every hash and signature uses)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def _jsonable(value):
    # Stored exactly as hashed: what goes into the JSON column must read back equal.
    return None if value is None else json.loads(canonical(value))


def entry_hash(fields: dict) -> str:
    return hashlib.sha256(canonical({k: fields[k] for k in _HASHED}).encode()).hexdigest()


def require_reason(reason: str | None, what: str) -> str:
    """Return the stripped reason, or raise a 400 saying that `what` needs one."""
    if not reason or not reason.strip():
        raise ValidationError(f"{what} requires a reason", {"field": "reason"})
    return reason.strip()


def _describe(obj) -> tuple[str, str, str | None]:
    if isinstance(obj, tuple):
        kind, ident = obj
        return kind, str(ident), None
    if getattr(obj, "id", None) is None:
        db.session.flush()  # new rows get their ids now so the entry can name them
    return _OBJECT_TYPES.get(type(obj).__name__, type(obj).__name__.lower()), str(obj.id), obj.tenant_id


def _actor(actor) -> tuple[str, str | None, str | None]:
    if isinstance(actor, User):
        return actor.username, str(actor.id), actor.tenant_id
    return (actor or "system"), None, None


# Built once and sent on the driver's cursor: every audited write runs all three.
_LOCK = Prepared(text("SELECT pg_advisory_xact_lock(hashtext(:k))"))
_LAST = Prepared(
    select(AuditEntry.seq, AuditEntry.hash)
    .where(AuditEntry.tenant_id == bindparam("tenant_id"))
    .order_by(AuditEntry.seq.desc())
    .limit(1)
)
_APPEND = Prepared(insert(AuditEntry.__table__), column_keys=(*_HASHED, "hash"))


def _lock_chain(tenant_id: str) -> bool:
    """Take the tenant's chain lock (PostgreSQL; SQLite serialises writers anyway); True on PostgreSQL."""
    db.session.flush()  # the step's pending rows go out first: the lock is held from here to the commit
    if db.session.get_bind().dialect.name != "postgresql":
        return False
    _LOCK.execute({"k": f"audit:{tenant_id}"})
    return True


def record(actor, action: str, obj, before=None, after=None, reason: str | None = None) -> None:
    """Append an audit entry for `action` on `obj` (a model row or a (type, id) tuple). The caller commits.

    `actor` is a User, a name (e.g. "cli") or None for the system.
    """
    object_type, object_id, obj_tenant = _describe(obj)
    actor_name, actor_id, actor_tenant = _actor(actor)
    tenant_id = obj_tenant or actor_tenant or DEFAULT_TENANT
    fields = {
        "tenant_id": tenant_id,
        "at": utcnow().isoformat(),
        "actor": actor_name,
        "actor_id": actor_id,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "before": _jsonable(before),
        "after": _jsonable(after),
        "reason": reason,
    }
    on_postgresql = _lock_chain(tenant_id)
    if on_postgresql:
        _APPEND_ON_SERVER.execute({**fields, **_hash_parts(fields), "genesis": GENESIS})
    else:
        _append(fields)


def _append(fields: dict) -> None:
    last = _LAST.first({"tenant_id": fields["tenant_id"]})
    fields = {**fields, "seq": (last[0] + 1) if last else 1, "prev_hash": last[1] if last else GENESIS}
    _APPEND.execute({**fields, "hash": entry_hash(fields)})  # now: the commit has nothing to flush


def _hash_parts(fields: dict) -> dict:
    """The entry's canonical JSON around the two values only the database knows under the chain's
    lock: `head` + prev_hash + `mid` + seq + `tail`. Sorted keys put prev_hash after object_type and
    seq between reason and tenant_id, so the parts are cut from plain canonical dumps."""
    head = {k: v for k, v in fields.items() if k < "prev_hash"}
    return {
        "head": canonical(head)[:-1] + ',"prev_hash":"',
        "mid": '","reason":' + canonical(fields["reason"]) + ',"seq":',
        "tail": ',"tenant_id":' + canonical(fields["tenant_id"]) + "}",
        "before": None if fields["before"] is None else canonical(fields["before"]),
        "after": None if fields["after"] is None else canonical(fields["after"]),
    }


# One statement under the lock where reading the last entry and inserting the next took two: the
# server takes the chain's head and hashes the entry itself (sha256 over the same canonical JSON).
_APPEND_ON_SERVER = Prepared(
    text(
        "INSERT INTO audit_entries (tenant_id, seq, at, actor, actor_id, action, object_type,"
        " object_id, before, after, reason, prev_hash, hash)"
        " SELECT :tenant_id, h.seq + 1, :at, :actor, :actor_id, :action, :object_type, :object_id,"
        " CAST(:before AS json), CAST(:after AS json), :reason, h.hash,"
        " encode(sha256(convert_to(:head || h.hash || :mid || (h.seq + 1)::text || :tail, 'UTF8')), 'hex')"
        " FROM (SELECT coalesce(last.seq, 0) AS seq, coalesce(last.hash, :genesis) AS hash"
        " FROM (SELECT 1) AS one LEFT JOIN LATERAL (SELECT seq, hash FROM audit_entries"
        " WHERE tenant_id = :tenant_id ORDER BY seq DESC LIMIT 1) AS last ON true) AS h"
    )
)


def verify_chain(tenant_id: str | None = None) -> dict:
    """Check every tenant's chain (or one): {ok, checked, broken: None | {tenant, seq, id, problem}}."""
    tenants = (
        [tenant_id]
        if tenant_id
        else list(db.session.execute(select(AuditEntry.tenant_id).distinct()).scalars())
    )
    checked = 0
    for tenant in sorted(tenants):
        count, broken = _verify_tenant(tenant)
        checked += count
        if broken:
            return {"ok": False, "checked": checked, "broken": broken}
    return {"ok": True, "checked": checked, "broken": None}


def _verify_tenant(tenant_id: str) -> tuple[int, dict | None]:
    rows = db.session.execute(
        select(AuditEntry).where(AuditEntry.tenant_id == tenant_id).order_by(AuditEntry.seq)
    ).scalars()
    prev, expected_seq, count = GENESIS, 1, 0
    for row in rows:
        count += 1
        problem = _problem(row, prev, expected_seq)
        if problem:
            return count, {"tenant": tenant_id, "seq": row.seq, "id": row.id, "problem": problem}
        prev, expected_seq = row.hash, row.seq + 1
    return count, None


def _problem(row: AuditEntry, prev: str, expected_seq: int) -> str | None:
    if row.seq != expected_seq:
        return f"entry {expected_seq} is missing (next entry is {row.seq})"
    if row.prev_hash != prev:
        return "the previous-hash link does not match the previous entry"
    if entry_hash({k: getattr(row, k) for k in _HASHED}) != row.hash:
        return "the entry's content does not match its hash (it was changed after it was written)"
    return None


def list_entries(tenant_id: str, filters: dict, limit: int = 50, offset: int = 0):
    """One tenant's entries, newest first, filtered by actor, action, object type/id, since, until."""
    query = select(AuditEntry).where(AuditEntry.tenant_id == tenant_id)
    for name in ("actor", "action", "object_type", "object_id"):
        if filters.get(name):
            query = query.where(getattr(AuditEntry, name) == filters[name])
    if filters.get("since"):
        query = query.where(AuditEntry.at >= _utc_text(filters["since"]))
    if filters.get("until"):
        query = query.where(AuditEntry.at < _utc_text(filters["until"]))
    total = db.session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    items = db.session.execute(query.order_by(AuditEntry.seq.desc()).limit(limit).offset(offset)).scalars()
    return list(items), total


def _utc_text(moment) -> str:
    # `at` is UTC ISO text, so a UTC ISO bound compares correctly as text.
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat()
