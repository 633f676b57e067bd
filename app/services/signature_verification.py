"""Reading an instance's signatures and verifying them, each against its approver's public key and
the payload rebuilt from its stored columns (signatures.payload), and all against the audit trail.
"""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select

from app.extensions import db
from app.models import AuditEntry, Signature, User, UserKey, UserTask
from app.services.signatures import payload, shown_name


def signatures_read_by(user: User, instance_id) -> list[Signature]:
    """signatures_of an instance `user` may read (services/visibility.py)."""
    from app.services.instances import read_instance

    return signatures_of(user.tenant_id, read_instance(user, instance_id).id)


def signatures_of(tenant_id: str, instance_id) -> list[Signature]:
    """The signatures of an instance of the tenant, oldest first; another tenant's instance is a 404."""
    from app.services.instances import get_instance

    get_instance(tenant_id, instance_id)
    return list(
        db.session.execute(
            select(Signature)
            .where(Signature.tenant_id == tenant_id, Signature.instance_id == instance_id)
            .order_by(Signature.signed_at)
        ).scalars()
    )


def verify_instance(tenant_id: str, instance_id) -> dict:
    """Verify every signature of an instance; returns {ok, count, signatures: [{..., valid, problem}]}.

    A signature the audit trail recorded (`task.sign`) that has no row any more is listed as invalid:
    checking only the rows that are left would call a trail with a signature cut out intact.
    """
    stored = signatures_of(tenant_id, instance_id)
    results = [_verify(sig) for sig in stored]
    results += _missing(tenant_id, instance_id, {sig.task_id for sig in stored})
    return {"ok": all(r["valid"] for r in results), "count": len(results), "signatures": results}


def _missing(tenant_id: str, instance_id, signed_tasks: set) -> list[dict]:
    """The instance's signatures the audit trail names that have no row (entries are per task)."""
    tasks = select(UserTask.id).where(UserTask.tenant_id == tenant_id, UserTask.instance_id == instance_id)
    task_ids = {str(t) for t in db.session.execute(tasks).scalars() if t not in signed_tasks}
    if not task_ids:
        return []
    entries = db.session.execute(
        select(AuditEntry)
        .where(AuditEntry.tenant_id == tenant_id, AuditEntry.action == "task.sign")
        .where(AuditEntry.object_type == "task", AuditEntry.object_id.in_(task_ids))
        .order_by(AuditEntry.seq)
    ).scalars()
    return [_missing_row(entry) for entry in entries]


def _missing_row(entry: AuditEntry) -> dict:
    after = entry.after or {}
    return {
        "id": None,
        "task_id": entry.object_id,
        "approver": entry.actor,
        "printed_name": after.get("printed_name") or entry.actor,
        "role": after.get("role"),
        "decision": after.get("decision"),
        "signed_at": entry.at,
        "valid": False,
        "problem": f"the signature recorded by audit entry {entry.seq} is missing (it was deleted)",
    }


def _verify(sig: Signature) -> dict:
    result = {
        "id": str(sig.id),
        "task_id": str(sig.task_id),
        "approver": sig.approver,
        "printed_name": shown_name(sig),
        "role": sig.role,
        "decision": sig.decision,
        "signed_at": sig.signed_at,
    }
    problem = _problem(sig)
    return {**result, "valid": problem is None, "problem": problem}


def _problem(sig: Signature) -> str | None:
    """Why a signature does not verify, or None."""
    key = db.session.get(UserKey, sig.approver_id)
    if key is None or key.key_id != sig.key_id:
        return "the approver's public key is missing or is not the key that signed"
    try:
        Ed25519PublicKey.from_public_bytes(key.public_key).verify(bytes.fromhex(sig.signature), payload(sig))
    except (InvalidSignature, ValueError):
        return "the signature does not match the stored decision or values (they were changed after signing)"
    return None
