"""Signed checkpoints of the audit chain: what a database writer without the server's key cannot forge.

The chain (services/audit.py) shows an entry changed, removed or inserted, unless the writer also
re-chains every later entry and the head, which anyone with the application's database rights can
do: its hashes are unkeyed. A seal closes that. Every minute (beat: `seal-audit-trail`, or `flask
audit seal`) each tenant's head that moved is signed with the server's Ed25519 seal key, and
`verify` checks every seal's signature against this server's public key and that the entry it
names still has the hash it sealed. So the trail up to the last seal can be neither rewritten nor
cut without the key; the entries after it are as safe as the chain alone, for at most a minute.

The key is BATON_AUDIT_SEAL_KEY (base64 of a raw 32-byte Ed25519 private key), else derived from
SECRET_KEY with HKDF-SHA256. Its public half (GET /audit/seals) lets anyone check a copy of the
seals offline; a copy kept where the database's owner cannot write also shows seals they deleted.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from datetime import UTC, datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite

from app.extensions import db
from app.models import AuditHead, AuditSeal
from app.services.audit import canonical

ALGORITHM = "Ed25519"
_CONTEXT = b"baton audit seal v1\n"  # (a seal's bytes can never be mistaken for another signature's)
_RAW = serialization.Encoding.Raw, serialization.PublicFormat.Raw


def seal_key() -> Ed25519PrivateKey:
    configured = current_app.config["BATON"].AUDIT_SEAL_KEY
    if configured:
        return Ed25519PrivateKey.from_private_bytes(base64.b64decode(configured))
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"baton audit seal key v1")
    return Ed25519PrivateKey.from_private_bytes(hkdf.derive(current_app.config["SECRET_KEY"].encode()))


def public_key() -> dict:
    """The seal key's public half, as an auditor needs it to check seals elsewhere."""
    raw = seal_key().public_key().public_bytes(*_RAW)
    return {"algorithm": ALGORITHM, "key_id": _key_id(raw), "public_key": base64.b64encode(raw).decode()}


def payload(tenant_id: str, seq: int, hash_: str, sealed_at: str) -> bytes:
    """The exact bytes a seal signs."""
    fields = {"tenant_id": tenant_id, "seq": seq, "hash": hash_, "sealed_at": sealed_at}
    return _CONTEXT + canonical(fields).encode()


def seal_heads() -> int:
    """Seal every tenant's head that moved since its last seal, and commit; returns how many seals."""
    last = select(func.max(AuditSeal.seq)).where(AuditSeal.tenant_id == AuditHead.tenant_id)
    moved = select(AuditHead).where(AuditHead.seq > func.coalesce(last.scalar_subquery(), 0))
    heads = db.session.execute(moved).scalars().all()
    if heads:
        key, at = seal_key(), datetime.now(UTC).isoformat()
        key_id = _key_id(key.public_key().public_bytes(*_RAW))
        rows = [_seal_row(key, key_id, head, at) for head in heads]
        dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
        # (two sealers at once, the beat and `flask audit seal`: the first one's seal stands)
        db.session.execute(dialect.insert(AuditSeal).values(rows).on_conflict_do_nothing())
    db.session.commit()
    return len(heads)


def _seal_row(key: Ed25519PrivateKey, key_id: str, head: AuditHead, at: str) -> dict:
    signed = key.sign(payload(head.tenant_id, head.seq, head.hash, at))
    row = {"tenant_id": head.tenant_id, "seq": head.seq, "hash": head.hash, "sealed_at": at}
    return {**row, "key_id": key_id, "signature": base64.b64encode(signed).decode()}


def list_seals(tenant_id: str, limit: int, offset: int) -> tuple[list[AuditSeal], int]:
    """A tenant's seals, newest first."""
    query = select(AuditSeal).where(AuditSeal.tenant_id == tenant_id)
    total = db.session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    page = query.order_by(AuditSeal.seq.desc()).limit(limit).offset(offset)
    return list(db.session.execute(page).scalars()), total


class SealCheck:
    """One tenant's seals, checked against its entries as `verify` walks them in order."""

    def __init__(self, tenant_id: str):
        self.tenant_id = tenant_id
        query = select(AuditSeal).where(AuditSeal.tenant_id == tenant_id)
        self.seals = {seal.seq: seal for seal in db.session.execute(query).scalars()}
        self.keys = _trusted_keys()
        self.through: int | None = None  # the last seal the trail matched

    def problem(self, seq: int, hash_: str) -> str | None:
        """What is wrong with the entry `seq` (of hash `hash_`) by its seal, if it has one."""
        seal = self.seals.get(seq)
        if seal is None:
            return None
        problem = self._forged(seal)
        if problem is None and seal.hash != hash_:
            problem = f"entry {seq} is not the one sealed at {seal.sealed_at}: the trail was rewritten"
        if problem is None:
            self.through = seq
        return problem

    def beyond(self, last_seq: int) -> dict | None:
        """The trail ends at `last_seq`; a seal of a later entry means entries were cut from the end."""
        cut = max((seq for seq in self.seals if seq > last_seq), default=None)
        if cut is None:
            return None
        problem = self._forged(self.seals[cut]) or (
            f"entries {last_seq + 1} to {cut} were sealed at {self.seals[cut].sealed_at} "
            "but are missing from the trail"
        )
        return {"tenant": self.tenant_id, "seq": cut, "id": None, "problem": problem}

    def _forged(self, seal: AuditSeal) -> str | None:
        key = self.keys.get(seal.key_id)
        if key is None:
            return f"the seal of entry {seal.seq} names key {seal.key_id[:16]}, not a seal key of this server"
        signed = payload(seal.tenant_id, seal.seq, seal.hash, seal.sealed_at)
        try:
            key.verify(base64.b64decode(seal.signature, validate=True), signed)
        except (InvalidSignature, binascii.Error, ValueError):
            return f"the seal of entry {seal.seq} has a signature its seal key did not make"
        return None


def _trusted_keys() -> dict[str, Ed25519PublicKey]:
    """The current seal key's public half and the retired ones (BATON_AUDIT_SEAL_RETIRED_KEYS), by id."""
    raws = [seal_key().public_key().public_bytes(*_RAW)]
    raws += [base64.b64decode(k) for k in current_app.config["BATON"].AUDIT_SEAL_RETIRED_KEYS]
    return {_key_id(raw): Ed25519PublicKey.from_public_bytes(raw) for raw in raws}


def _key_id(raw_public: bytes) -> str:
    return hashlib.sha256(raw_public).hexdigest()
