"""Secrets for service-task handlers (API keys), encrypted with Fernet and handed out by name.

The Fernet key is BATON_SECRETS_KEY when set (a Fernet key, so it can be rotated apart from
SECRET_KEY), else derived from SECRET_KEY with HKDF-SHA256. Values never appear in the API, logs or
error messages: only names do. Handlers call `get_secret(name, tenant_id)`.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from sqlalchemy import select

from app.errors import NotFound, Unavailable, ValidationError
from app.extensions import db
from app.models import Secret, User
from app.models.base import DEFAULT_TENANT, column_length, utcnow
from app.services import audit


def _fernet() -> Fernet:
    configured = current_app.config["BATON"].SECRETS_KEY
    if configured:
        return Fernet(configured.encode())
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"baton handler secrets v1")
    return Fernet(base64.urlsafe_b64encode(hkdf.derive(current_app.config["SECRET_KEY"].encode())))


def _find(tenant_id: str, name: str) -> Secret | None:
    return db.session.execute(
        select(Secret).where(Secret.tenant_id == tenant_id, Secret.name == name)
    ).scalar_one_or_none()


NAME_LENGTH = column_length(Secret, "name")


def set_secret(actor: User, name: str, value: str) -> Secret:
    """Create or replace a secret of the actor's tenant; the audit entry names it, never its value."""
    if not name or not isinstance(value, str) or not value:
        raise ValidationError("a secret needs a name and a non-empty string value", {"field": "value"})
    if len(name) > NAME_LENGTH:
        raise ValidationError(f"a secret's name is at most {NAME_LENGTH} characters", {"field": "name"})
    secret = _find(actor.tenant_id, name)
    action = "secret.update" if secret else "secret.create"
    if secret is None:
        secret = Secret(tenant_id=actor.tenant_id, name=name, ciphertext=b"")
        db.session.add(secret)
    secret.ciphertext = _fernet().encrypt(value.encode())
    secret.updated_by, secret.updated_at = actor.username, utcnow()
    audit.record(actor, action, secret, after={"name": name})
    db.session.commit()
    return secret


def delete_secret(actor: User, name: str) -> None:
    secret = _find(actor.tenant_id, name)
    if secret is None:
        raise NotFound(f"secret '{name}' does not exist")
    audit.record(actor, "secret.delete", secret, before={"name": name})
    db.session.delete(secret)
    db.session.commit()


def list_secrets(tenant_id: str) -> list[Secret]:
    """Names and dates only; callers must not read `ciphertext`."""
    query = select(Secret).where(Secret.tenant_id == tenant_id).order_by(Secret.name)
    return list(db.session.execute(query).scalars())


def get_secret(name: str, tenant_id: str = DEFAULT_TENANT) -> str:
    """The plain value of a secret, for a handler; errors name the secret, never a value."""
    secret = _find(tenant_id, name)
    if secret is None:
        raise NotFound(f"secret '{name}' does not exist")
    try:
        return _fernet().decrypt(secret.ciphertext).decode()
    except InvalidToken:
        raise Unavailable(f"secret '{name}' cannot be decrypted with the configured key")
