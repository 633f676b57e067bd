"""The audit trail, signed approvals, users' signing keys and handler secrets."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, LargeBinary, String, Text, Uuid, text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model
from app.models.base import created_column, tenant_column, uuid_pk

SIGN_REFUSED = "action = 'task.sign_refused'"
SIGN_IN_FAILED = "action = 'user.sign_in_failed'"


class AuditEntry(Model):
    """One state change. Append-only and hash-chained per tenant: `hash` covers the entry and `prev_hash`.

    No foreign keys on purpose: the trail must outlive the users, instances and tokens it names.
    On PostgreSQL a trigger (see the migration) refuses UPDATE and DELETE.
    """

    __tablename__ = "audit_entries"
    __table_args__ = (
        Index("uq_audit_tenant_seq", "tenant_id", "seq", unique=True),
        Index("ix_audit_object", "tenant_id", "object_type", "object_id"),
        # A signer's recent refused signatures, counted at each signing (services/reauthentication.py);
        # partial, so the rest of the trail's appends do not pay for it.
        Index(
            "ix_audit_sign_refusals",
            "tenant_id",
            "actor_id",
            "at",
            postgresql_where=text(SIGN_REFUSED),
            sqlite_where=text(SIGN_REFUSED),
        ),
        # A username's recent failed sign-ins, counted at each sign-in (services/sign_ins.py): newest
        # first within the window, however long the trail of that user (or of failures) grows.
        Index(
            "ix_audit_sign_in_failures",
            "tenant_id",
            "object_id",
            "at",
            postgresql_where=text(SIGN_IN_FAILED),
            sqlite_where=text(SIGN_IN_FAILED),
        ),
    )

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    tenant_id: Mapped[str] = tenant_column()
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    at: Mapped[str] = mapped_column(String(40), nullable=False)  # ISO text: hashed exactly as stored
    actor: Mapped[str] = mapped_column(String(150), nullable=False)
    actor_id: Mapped[str | None] = mapped_column(String(36))
    action: Mapped[str] = mapped_column(String(60), nullable=False)
    object_type: Mapped[str] = mapped_column(String(40), nullable=False)
    object_id: Mapped[str] = mapped_column(String(255), nullable=False)
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    reason: Mapped[str | None] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False)


class AuditHead(Model):
    """A tenant's chain head: the seq and hash of its last entry. Appending updates this row first,
    so its row lock is what queues a tenant's appends (PostgreSQL re-reads a locked row after the
    wait, so the next entry always chains to the latest), and `verify_chain` checks the last entry
    against it, so entries removed from the end of the trail are noticed too.

    On PostgreSQL a trigger (see the migration) lets the head only move forward, one entry at a time.
    """

    __tablename__ = "audit_heads"

    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    prev_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False)


class AuditSeal(Model):
    """A signed checkpoint of a tenant's chain: its head (seq and hash) at `sealed_at`, signed with
    the server's Ed25519 seal key (services/audit_seals.py). Whoever can write to the database but
    does not hold the key can no longer rewrite the trail up to a seal, even re-chaining it.

    On PostgreSQL a trigger (see the migration) refuses UPDATE and DELETE.
    """

    __tablename__ = "audit_seals"

    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False)
    sealed_at: Mapped[str] = mapped_column(String(40), nullable=False)  # ISO text: signed as stored
    key_id: Mapped[str] = mapped_column(String(64), nullable=False)  # SHA-256 of the public key
    signature: Mapped[str] = mapped_column(String(100), nullable=False)  # base64


class Signature(Model):
    """An electronic signature on a task decision (an approval or a rejection).

    The signed payload is rebuilt from these columns at verification, so a changed column breaks it.
    `scheme` says which columns the payload holds (services/signatures.py): 1, the first rows, left
    out the approver's name, the element and the reason; 2 binds every column a reader is shown; 3 binds
    also the SHA-256 of `signed_values`, the canonical JSON of the values the completion submitted; 4
    binds also `printed_name`, the signer's name as printed on the signature (21 CFR 11.50: the display
    name at signing, else the username), kept as it was then however the user is renamed later.
    """

    __tablename__ = "signatures"
    __table_args__ = (Index("ix_signatures_instance", "tenant_id", "instance_id"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    tenant_id: Mapped[str] = tenant_column()
    instance_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    task_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    element_id: Mapped[str] = mapped_column(String(255), nullable=False)
    definition_key: Mapped[str] = mapped_column(String(255), nullable=False)
    definition_version: Mapped[int] = mapped_column(Integer, nullable=False)
    approver_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    approver: Mapped[str] = mapped_column(String(150), nullable=False)
    printed_name: Mapped[str | None] = mapped_column(String(200))  # (scheme 4; None before)
    role: Mapped[str] = mapped_column(String(150), nullable=False)
    decision: Mapped[str] = mapped_column(String(20), nullable=False)
    reason: Mapped[str | None] = mapped_column(Text)
    signed_at: Mapped[str] = mapped_column(String(40), nullable=False)
    key_id: Mapped[str] = mapped_column(String(64), nullable=False)  # SHA-256 of the raw public key
    signature: Mapped[str] = mapped_column(String(128), nullable=False)  # hex Ed25519 signature
    scheme: Mapped[int] = mapped_column(Integer, nullable=False, server_default="1")
    signed_values: Mapped[str | None] = mapped_column(Text)  # canonical JSON (scheme 3; None before)


class UserKey(Model):
    """A user's Ed25519 key pair; the private key is Fernet-encrypted (see services/signatures.py)."""

    __tablename__ = "user_keys"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    tenant_id: Mapped[str] = tenant_column()
    public_key: Mapped[bytes] = mapped_column(LargeBinary(32), nullable=False)
    encrypted_private_key: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    key_id: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = created_column()


class Secret(Model):
    """A named value for service-task handlers (API keys), Fernet-encrypted; never returned by the API."""

    __tablename__ = "secrets"
    __table_args__ = (Index("uq_secrets_tenant_name", "tenant_id", "name", unique=True),)

    id: Mapped[uuid.UUID] = uuid_pk()
    tenant_id: Mapped[str] = tenant_column()
    name: Mapped[str] = mapped_column(String(150), nullable=False)
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    updated_by: Mapped[str | None] = mapped_column(String(150))
    created_at: Mapped[datetime] = created_column()
    updated_at: Mapped[datetime] = created_column()
