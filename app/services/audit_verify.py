"""Checking the audit trail: the hash chain from its first entry, its end against the tenant's
head, and every seal (audit_seals.py) against the entry it names. Reports the first broken link."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import AuditEntry, AuditHead
from app.services.audit import GENESIS, HASHED, entry_hash
from app.services.audit_seals import SealCheck


def verify_chain(tenant_id: str | None = None) -> dict:
    """Check every tenant's chain (or one): {ok, checked, broken: None | {tenant, seq, id, problem},
    sealed_through: {tenant: the last entry a valid seal vouches for, or None}}."""
    # (a tenant whose every entry was removed still has its head)
    everyone = select(AuditEntry.tenant_id).union(select(AuditHead.tenant_id))
    tenants = [tenant_id] if tenant_id else list(db.session.execute(everyone).scalars())
    checked, sealed = 0, {}
    for tenant in sorted(tenants):
        seals = SealCheck(tenant)
        count, broken = _verify_tenant(tenant, seals)
        checked, sealed[tenant] = checked + count, seals.through
        if broken:
            return {"ok": False, "checked": checked, "broken": broken, "sealed_through": sealed}
    return {"ok": True, "checked": checked, "broken": None, "sealed_through": sealed}


def _verify_tenant(tenant_id: str, seals: SealCheck) -> tuple[int, dict | None]:
    rows = db.session.execute(
        select(AuditEntry).where(AuditEntry.tenant_id == tenant_id).order_by(AuditEntry.seq)
    ).scalars()
    prev, expected_seq, count = GENESIS, 1, 0
    for row in rows:
        count += 1
        problem = _problem(row, prev, expected_seq) or seals.problem(row.seq, row.hash)
        if problem:
            return count, {"tenant": tenant_id, "seq": row.seq, "id": row.id, "problem": problem}
        prev, expected_seq = row.hash, row.seq + 1
    return count, _head_problem(tenant_id, expected_seq - 1, prev) or seals.beyond(expected_seq - 1)


def _head_problem(tenant_id: str, last_seq: int, last_hash: str) -> dict | None:
    """The trail must end where its head says: removing the last entries leaves no broken link."""
    head = db.session.get(AuditHead, tenant_id)
    if head is None or (head.seq, head.hash) == (last_seq, last_hash):
        return None
    if head.seq > last_seq:
        problem = f"entries {last_seq + 1} to {head.seq} are missing from the end of the trail"
    else:
        problem = "the last entry is not the one the chain's head names"
    return {"tenant": tenant_id, "seq": head.seq, "id": None, "problem": problem}


def _problem(row: AuditEntry, prev: str, expected_seq: int) -> str | None:
    if row.seq != expected_seq:
        return f"entry {expected_seq} is missing (next entry is {row.seq})"
    if row.prev_hash != prev:
        return "the previous-hash link does not match the previous entry"
    if entry_hash({k: getattr(row, k) for k in HASHED}) != row.hash:
        return "the entry's content does not match its hash (it was changed after it was written)"
    return None
