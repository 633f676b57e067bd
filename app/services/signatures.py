"""Electronic signatures on task decisions: Ed25519, one key pair per user, signed by the server.

Each signature needs the signer's own password, checked at signing (services/reauthentication.py).
Reading and verifying them is services/signature_verification.py.

How the private key is protected: it is encrypted at rest with Fernet under a key derived by HKDF-SHA256
from the server's SECRET_KEY, salted with the user's id. Why not the user's password: a password-derived
key would be lost with every password reset, and the server has to be trusted to sign only after
authenticating the user anyway (which it does, with the password, at each signature). The salt makes
each user's wrapping key distinct, so one leaked decrypted key exposes no other. A database dump alone
reveals no private key; a dump plus SECRET_KEY does, which is the same trust boundary as sessions.

Who may sign for a role: a member of the group named exactly as the role (e.g. group "QA"). Admins get
no exception: a signature attests a person's qualification, not an administrative right.

The signed payload is the canonical JSON (sorted keys, no whitespace) of approver id, username and
printed name, instance id, definition key and version, task and element id, decision, role, reason,
timestamp and the SHA-256 of the canonical JSON of the values the completion submitted (stored as that
JSON on the row), rebuilt from the stored columns at verification, so changing any of them afterwards
fails verification. (Signatures of scheme 1, made before the username, element and reason were bound,
of scheme 2, before the values were, and of scheme 3, before the printed name was, verify over the
columns they were signed with.)

The printed name (21 CFR 11.50(a)(1)) is the signer's display name at signing, else their username:
stored on the signature as it was then, so renaming the user later changes no signed record.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from sqlalchemy import select

from app.errors import BatonError, Forbidden, ValidationError
from app.extensions import db
from app.models import ProcessInstance, Signature, User, UserKey, UserTask
from app.models.base import utcnow
from app.models.tasks import OPEN
from app.services import audit, reauthentication

DECISIONS = ("approve", "reject")
NOT_IN_GROUP = "not-in-group"  # why a signature was refused, besides the password's reasons
SCHEME = 4  # what payload() binds; stored on each signature (models/security.py)
_RAW = serialization.Encoding.Raw, serialization.PublicFormat.Raw


def _wrapping_key(user_id) -> Fernet:
    secret = current_app.config["SECRET_KEY"].encode()
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=user_id.bytes, info=b"baton signing key v1")
    return Fernet(base64.urlsafe_b64encode(hkdf.derive(secret)))


def ensure_key(user: User) -> UserKey:
    """The user's key pair, created on first use. The caller commits."""
    key = db.session.get(UserKey, user.id)
    if key is not None:
        return key
    private = Ed25519PrivateKey.generate()
    raw_private = private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    public = private.public_key().public_bytes(*_RAW)
    key = UserKey(
        user_id=user.id,
        tenant_id=user.tenant_id,
        public_key=public,
        encrypted_private_key=_wrapping_key(user.id).encrypt(raw_private),
        key_id=hashlib.sha256(public).hexdigest(),
    )
    db.session.add(key)
    audit.record(user, "key.create", ("user_key", user.id), after={"key_id": key.key_id})
    return key


def payload(sig: Signature) -> bytes:
    """The exact bytes that are signed, rebuilt from the stored columns."""
    signed = {
        "approver_id": str(sig.approver_id),
        "instance_id": str(sig.instance_id),
        "definition_key": sig.definition_key,
        "definition_version": sig.definition_version,
        "task_id": str(sig.task_id),
        "decision": sig.decision,
        "role": sig.role,
        "timestamp": sig.signed_at,
    }
    if sig.scheme != 1:
        # What a reader is shown with the signature is what was signed: who, where and why.
        signed.update(approver=sig.approver, element_id=sig.element_id, reason=sig.reason, scheme=sig.scheme)
    if sig.scheme >= 3:
        # The values decided on, not only the decision: the audit entry alone held them before.
        signed["values_sha256"] = values_digest(sig)
    if sig.scheme >= 4:
        # The name a reader is shown as the signer's (11.50), not only the account that signed.
        signed["printed_name"] = sig.printed_name
    return audit.canonical(signed).encode()


def printed_name(user: User) -> str:
    """The name a signature by `user` shows (11.50): their display name, else their username."""
    return (user.display_name or "").strip() or user.username


def shown_name(sig: Signature) -> str:
    """Who signed, as a reader is shown it: the printed name signed (scheme 4), else the username,
    the only name the signatures of earlier schemes recorded."""
    return sig.printed_name or sig.approver


def values_digest(sig: Signature) -> str | None:
    """The SHA-256 (hex) of the canonical JSON of the values a signature of scheme 3 binds."""
    if sig.signed_values is None:
        return None
    return hashlib.sha256(sig.signed_values.encode()).hexdigest()


def required_role(element: dict) -> str | None:
    """The role a task must be signed as (element property `signatureRole`), or None."""
    return (element.get("properties") or {}).get("signatureRole") or None


def _not_a_signer(user: User, task_name: str, element: dict) -> tuple[str, dict] | None:
    """Why `user` may not hold the task (signed as a role whose group they are not in), or None."""
    role = required_role(element)
    if not role or role in user.group_names:
        return None
    why = f"task '{task_name}' is signed as '{role}': {user.username} is not a member of the group '{role}'"
    return why, {"role": role, "refusal": NOT_IN_GROUP}


def require_signer(target: User, task_name: str, element: dict, field: str) -> None:
    """A task to be signed is handed (delegated, or routed by out of office) only to who may sign it:
    else a 400 naming the role and `field`."""
    problem = _not_a_signer(target, task_name, element)
    if problem:
        raise ValidationError(problem[0], {**problem[1], "field": field})


def require_own_signing(user: User, task: UserTask, element: dict) -> None:
    """Claiming a task to be signed needs the role too (a delegate may see one they cannot sign)."""
    problem = _not_a_signer(user, task.name or task.element_id, element)
    if problem:
        raise Forbidden(*problem)


def require_signer_of_offers(delegate: User, delegator: User) -> None:
    """Out of office routes the delegator's open tasks (held by or offered to them or their groups) to
    the delegate: each one to be signed needs its role of the delegate. One read of the distinct
    elements those tasks wait in."""
    from app.services.bundles import bundle_for_id
    from app.services.visibility import offered_to

    rows = db.session.execute(
        select(ProcessInstance.definition_id, UserTask.element_id, UserTask.name)
        .join(ProcessInstance, ProcessInstance.id == UserTask.instance_id)
        .where(offered_to(delegator), ~UserTask.offered_to_all, UserTask.status == OPEN)
        .distinct()
    )
    for definition_id, element_id, name in rows:
        element = bundle_for_id(definition_id).elements.get(element_id, {})
        require_signer(delegate, name or element_id, element, "delegate")


def requirements_for(task: UserTask) -> dict:
    """What completing `task` asks of a person: a signature role and/or a reason (for the task page)."""
    from app.services import forms
    from app.services.bundles import bundle_for_id
    from app.services.instances import get_instance

    instance = get_instance(task.tenant_id, task.instance_id)
    element = bundle_for_id(instance.definition_id).elements.get(task.element_id, {})
    props = element.get("properties") or {}
    return {
        "signature_role": required_role(element),
        "reason_required": str(props.get("reasonRequired", "")).lower() == "true",
        "reason_to_reject": forms.offers_reject(task.tenant_id, task.form),
    }


def check_completion(
    user: User, task: UserTask, element: dict, signature: dict | None, reason, variables: dict
) -> dict:
    """Validate what completing `task` needs (a signature, a reason); returns variables to add.

    A task requires a signature when its element has the property `signatureRole`; it requires a reason
    when it has `reasonRequired=true`, and every rejection (a signed one, or the variable `decision`
    sent as "reject") needs one. A signature needs the signer's
    password (re-authentication) and membership of the role's group: a refusal of either carries
    `details.refusal` (record_refusal audits it). The signed decision becomes the variable `decision`:
    one sent among the variables must say the same.
    """
    if str((element.get("properties") or {}).get("reasonRequired", "")).lower() == "true":
        audit.require_reason(reason, f"completing '{task.name}'")
    role = required_role(element)
    if not role:
        _refuse_unasked(task, signature)
        if variables.get("decision") == "reject":  # as the inbox asks it of its decision field
            audit.require_reason(reason, "a rejection")
        return {}
    if not isinstance(signature, dict) or signature.get("decision") not in DECISIONS:
        raise ValidationError(
            f"task '{task.name}' requires a signature as {role}: send "
            '{"signature": {"decision": "approve" | "reject", "password": "<your password>"}}',
            {"field": "signature", "role": role},
        )
    if signature.get("role") not in (None, role):
        raise ValidationError(f"this task is signed as '{role}', not '{signature['role']}'", {"role": role})
    reauthentication.require_password(user, signature)
    if role not in user.group_names:
        raise Forbidden(
            f"signing as '{role}' requires membership of the group '{role}'",
            {"role": role, "refusal": NOT_IN_GROUP},
        )
    if signature["decision"] == "reject":
        audit.require_reason(reason, "a rejection")
    _require_same_decision(signature["decision"], variables.get("decision"))
    return {"decision": signature["decision"]}


def _refuse_unasked(task: UserTask, signature) -> None:
    """A signature sent with a password to a task that asks for none is refused, not dropped: its
    sender believes they signed, and no signature would be recorded. (The inbox's own decision
    field, sent without a password, is no signature.)"""
    if isinstance(signature, dict) and signature.get("password"):
        raise ValidationError(
            f"task '{task.name or task.element_id}' asks for no signature (its model sets no "
            "signatureRole): complete it without one",
            {"field": "signature"},
        )


def record_refusal(user: User, task_id, element: dict, signature: dict | None, refused: BatonError) -> bool:
    """Audit a signature refused to `user` (a wrong, missing or no password, too many wrong ones, not
    in the role's group) as `task.sign_refused` naming why, never the password, in a transaction of
    its own (audit.record_refused). False, and nothing audited, for an error that is no refusal."""
    why = reauthentication.refusal_of(refused)
    if why is None:
        return False
    after = {"role": required_role(element), "decision": (signature or {}).get("decision"), "refusal": why}
    refused_task = ("task", task_id)
    audit.record_refused(user, reauthentication.REFUSED, refused_task, after=after, reason=refused.message)
    return True


def _require_same_decision(signed: str, sent) -> None:
    """A decision variable that contradicts the signature would record one decision and sign another."""
    if sent is None or sent == signed:
        return
    message = f"variables.decision '{sent}' contradicts signature.decision '{signed}'; send one decision"
    raise ValidationError(
        message, {"fields": {"variables.decision": [message], "signature.decision": [message]}}
    )


def sign(
    user: User, instance: ProcessInstance, task: UserTask, role: str, values: dict, reason=None
) -> Signature:
    """Sign the decision (`values["decision"]`) and the values the completion submitted with the
    user's key, and store it with an audit entry. The caller commits."""
    key = ensure_key(user)
    sig = Signature(
        tenant_id=instance.tenant_id,
        instance_id=instance.id,
        task_id=task.id,
        element_id=task.element_id,
        definition_key=instance.definition_key,
        definition_version=instance.definition_version,
        approver_id=user.id,
        approver=user.username,
        printed_name=printed_name(user),
        role=role,
        decision=values["decision"],
        reason=reason,
        signed_at=utcnow().isoformat(),
        key_id=key.key_id,
        scheme=SCHEME,
        signed_values=audit.canonical(values) if SCHEME >= 3 else None,
    )
    private = Ed25519PrivateKey.from_private_bytes(_wrapping_key(user.id).decrypt(key.encrypted_private_key))
    sig.signature = private.sign(payload(sig)).hex()
    db.session.add(sig)
    after = {"role": role, "decision": sig.decision, "values_sha256": values_digest(sig)}
    if sig.printed_name:  # (so a deleted row is still reported with its signer's name)
        after["printed_name"] = sig.printed_name
    audit.record(user, "task.sign", task, after=after, reason=reason)
    return sig
