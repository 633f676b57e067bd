"""The audit trail: every state change appends one hash-chained entry, in the caller's transaction.

Tamper evidence: each entry stores the hash of the previous entry of its tenant and its own hash
over its canonical JSON (sorted keys, no whitespace) including that previous hash. Changing, removing
or inserting an entry breaks the chain from that point; `audit_verify.verify_chain` names the first
broken link, and checks the signed seals (audit_seals.py) that a writer without the server's key
cannot forge.

Serialisation point: two transactions appending at once would both read the same "latest" entry and
fork the chain. Each tenant has a head row (audit_heads: the last entry's seq and hash); appending
moves it forward first, and its row lock queues the tenant's appends until the holder commits or
rolls back. PostgreSQL re-reads a row it waited for, so the next entry chains to the latest one.
On SQLite every transaction takes the write lock at BEGIN (app/sqlite_locking.py), so the head
it reads is the latest. A unique (tenant_id, seq) index is the backstop. The cost is that
audited writes of one tenant commit one at a time. The head also tells when entries were removed
from the end of the trail, which the chain alone cannot.

On PostgreSQL the database hashes the entry (sha256 over the same canonical JSON), and the head's
move and the entry's insert are two parts of one statement, held back to travel with the step's
other rows (pending_writes): an audited request costs no statement of its own.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC
from typing import Any

from sqlalchemy import func, insert, select

from app.errors import ValidationError
from app.extensions import db
from app.models import AuditEntry, AuditHead, User, UserTask
from app.models.base import DEFAULT_TENANT, table_of, utcnow
from app.services import pending_writes
from app.services.prepared import Prepared
from app.services.write_sets import as_json

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
HASHED = (
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
    return hashlib.sha256(canonical({k: fields[k] for k in HASHED}).encode()).hexdigest()


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


_APPEND = Prepared(insert(table_of(AuditEntry)), column_keys=(*HASHED, "hash"))


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
    if pending_writes.available():
        pending_writes.defer_parts(_appended_on_server(fields), key=f"audit:{tenant_id}")
    else:
        _append(fields)


def record_refused(actor, action: str, obj, after=None, reason: str | None = None) -> None:
    """Audit an attempt that was refused (`task.sign_refused`, `task.claim_refused`, ...) in a
    transaction of its own: what the request had done so far is rolled back, the attempt is kept and
    committed (21 CFR 11.300(d), Annex 11 12.4: attempts at unauthorised use are recorded). The caller
    raises the refusal after."""
    db.session.rollback()
    record(actor, action, obj, after=after, reason=reason)
    db.session.commit()


def _append(fields: dict) -> None:
    """Append in Python (SQLite): read the head, hash, insert the entry, move the head."""
    head = db.session.get(AuditHead, fields["tenant_id"])
    fields = {**fields, "seq": head.seq + 1 if head else 1, "prev_hash": head.hash if head else GENESIS}
    digest = entry_hash(fields)
    _APPEND.execute({**fields, "hash": digest})
    if head is None:
        db.session.add(AuditHead(tenant_id=fields["tenant_id"], seq=1, prev_hash=GENESIS, hash=digest))
    else:
        head.seq, head.prev_hash, head.hash = fields["seq"], fields["prev_hash"], digest


def _appended_on_server(fields: dict) -> list[tuple[str, dict]]:
    """The two write-set parts that append `fields` on PostgreSQL: move the head, insert the entry."""
    head = {"tenant_id": fields["tenant_id"], "genesis": GENESIS, **_hash_parts(fields)}
    return [(_MOVE_HEAD, head), (_INSERT_ENTRY, {"entry": as_json(fields)})]


def _hash_parts(fields: dict) -> dict:
    """The entry's canonical JSON around the two values only the database knows under the chain's
    lock: `head` + prev_hash + `mid` + seq + `tail`. Sorted keys put prev_hash after object_type and
    seq between reason and tenant_id, so the parts are cut from plain canonical dumps."""
    head = {k: v for k, v in fields.items() if k < "prev_hash"}
    return {
        "head": canonical(head)[:-1] + ',"prev_hash":"',
        "mid": '","reason":' + canonical(fields["reason"]) + ',"seq":',
        "tail": ',"tenant_id":' + canonical(fields["tenant_id"]) + "}",
    }


def _sha256(prev: str, seq: str) -> str:
    parts = f"%({{p}}_head)s::text || {prev} || %({{p}}_mid)s::text || {seq} || %({{p}}_tail)s::text"
    return f"encode(sha256(convert_to({parts}, 'UTF8')), 'hex')"


# A tenant's first entry creates its head; a later one moves it on, under its row lock, and hashes
# the entry over the head it found. RETURNING hands the new head to the entry's INSERT.
# (No value is spliced into these: every one is a bound parameter.)
_MOVE_HEAD = (
    "INSERT INTO audit_heads AS a (tenant_id, seq, prev_hash, hash)"  # noqa: S608
    " VALUES (%({p}_tenant_id)s, 1, %({p}_genesis)s::text, " + _sha256("%({p}_genesis)s::text", "'1'") + ")"
    " ON CONFLICT (tenant_id) DO UPDATE SET seq = a.seq + 1, prev_hash = a.hash,"
    " hash = " + _sha256("a.hash", "(a.seq + 1)::text") + " RETURNING seq, prev_hash, hash"
)
_INSERT_ENTRY = (
    "INSERT INTO audit_entries (tenant_id, seq, at, actor, actor_id, action, object_type, object_id,"
    " before, after, reason, prev_hash, hash)"
    " SELECT e.tenant_id, h.seq, e.at, e.actor, e.actor_id, e.action, e.object_type, e.object_id,"
    " e.before, e.after, e.reason, h.prev_hash, h.hash"
    " FROM {prev} AS h, json_populate_record(NULL::audit_entries, %({p}_entry)s::json) AS e"
)


def list_entries(tenant_id: str, filters: dict, limit: int = 50, offset: int = 0):
    """One tenant's entries, newest first, filtered by actor, action, object type/id, since, until."""
    query = select(AuditEntry).where(AuditEntry.tenant_id == tenant_id)
    for name in ("actor", "action", "object_type", "object_id"):
        if filters.get(name):
            query = query.where(getattr(AuditEntry, name) == filters[name])
    if filters.get("instance_id"):
        query = query.where(_about_instance(tenant_id, filters["instance_id"]))
    if filters.get("since"):
        query = query.where(AuditEntry.at >= _utc_text(filters["since"]))
    if filters.get("until"):
        query = query.where(AuditEntry.at < _utc_text(filters["until"]))
    total = db.session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    items = db.session.execute(query.order_by(AuditEntry.seq.desc()).limit(limit).offset(offset)).scalars()
    return list(items), total


def _about_instance(tenant_id: str, instance_id):
    """Entries about an instance: its own (start, cancel, messages, incidents, linked orders) and
    its tasks' (claims, completions, signatures, refusals). Task ids are read first: object_id is
    text, and a uuid column's text differs between PostgreSQL and SQLite."""
    task_ids = db.session.execute(
        select(UserTask.id).where(UserTask.tenant_id == tenant_id, UserTask.instance_id == instance_id)
    ).scalars()
    own = (AuditEntry.object_type == "instance") & (AuditEntry.object_id == str(instance_id))
    tasks = (AuditEntry.object_type == "task") & AuditEntry.object_id.in_([str(t) for t in task_ids])
    return own | tasks


def _utc_text(moment) -> str:
    # `at` is UTC ISO text, so a UTC ISO bound compares correctly as text.
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat()
