"""Users, groups and API tokens: creating them and authenticating a bearer token."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from functools import lru_cache

from flask import current_app, has_app_context
from sqlalchemy import select

from app.errors import Conflict, NotFound, Unauthorized, ValidationError
from app.extensions import db
from app.models import ApiToken, Group, User
from app.models.base import DEFAULT_TENANT, as_utc, utcnow
from app.services import audit, auth_cache, delegation
from app.services.permissions import ROLES

TOKEN_PREFIX = "bt_"  # noqa: S105  (a visible prefix, not a secret)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def hash_password(password: str) -> str:
    """scrypt (memory-hard KDF) with a random salt; the parameters are stored with the hash."""
    salt = secrets.token_bytes(16)
    n, r, p = 2**14, 8, 1
    digest = hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, dklen=32)
    return f"scrypt${n}${r}${p}${salt.hex()}${digest.hex()}"


def check_password(stored: str | None, password: str) -> bool:
    if not stored or not stored.startswith("scrypt$"):
        return False
    _, n, r, p, salt, digest = stored.split("$")
    candidate = hashlib.scrypt(
        password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p), dklen=32
    )
    return secrets.compare_digest(candidate.hex(), digest)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))


SIGN_IN_FAILED = "user.sign_in_failed"  # counted by the sign-in limits (services/sign_ins.py)


def authenticate_password(username: str, password: str, address: str | None = None) -> User | None:
    """The active user `username` whose password this is, else None, and then the failure audited as
    `user.sign_in_failed` naming the username tried (never the password) in a transaction of its own.

    An unknown name costs one scrypt too, and fails as a wrong password does: neither the answer
    nor its time tells which usernames exist (the audit entry, read by admins, says which it was).
    """
    user = find_user(username) if username else None
    stored = user.password_hash if user is not None else _dummy_hash()
    matches = check_password(stored, password)
    if matches and user is not None and user.active:
        return user
    why = "unknown username" if user is None else "wrong password" if not matches else "user deactivated"
    tried = user if user is not None else ("user", username)
    after = {"username": username, "address": address or ""}
    audit.record_refused("anonymous", SIGN_IN_FAILED, tried, after=after, reason=why)
    return None


def authenticate_token(raw: str | None) -> User:
    """Return the active user owning this bearer token, or raise Unauthorized."""
    if not raw:
        raise Unauthorized("Authorization: Bearer <token> is required")
    token_hash, now = hash_token(raw), utcnow()
    cached = auth_cache.lookup(token_hash, now)
    if cached is not None:
        user = auth_cache.attach(cached)
        delegation.remember_acting_for(user, cached.acting_for)
        return user
    token = db.session.execute(select(ApiToken).where(ApiToken.token_hash == token_hash)).scalar_one_or_none()
    if token is None or token.revoked_at is not None:
        raise Unauthorized("the API token is not valid")
    expires_at = as_utc(token.expires_at) if token.expires_at is not None else None
    if expires_at is not None and expires_at <= now:
        raise Unauthorized("the API token has expired")
    if not token.user.active:
        raise Unauthorized("the user of this token is deactivated")
    seconds = current_app.config["BATON"].AUTH_CACHE_SECONDS if has_app_context() else 0
    auth_cache.remember(token_hash, token.user, delegation.acting_for(token.user), expires_at, now, seconds)
    return token.user


def create_user(
    username: str,
    *,
    password: str | None = None,
    roles: str = "user",
    display_name: str | None = None,
    email: str | None = None,
    tenant_id: str = DEFAULT_TENANT,
) -> User:
    """Create a user; the username must be new in its tenant, the roles known ones (`admin` among
    them makes an admin: there is no other admin flag)."""
    roles = check_roles(roles)
    if find_user(username, tenant_id) is not None:
        raise Conflict(f"user '{username}' already exists")
    user = User(
        username=username,
        tenant_id=tenant_id,
        roles=roles,
        display_name=display_name or username,
        email=email,
        password_hash=hash_password(password) if password else None,
    )
    db.session.add(user)
    audit.record(None, "user.create", user, after={"roles": roles})
    db.session.commit()
    return user


def check_roles(roles: str) -> str:
    """The comma-separated roles, tidied; an unknown one is refused (a typo would grant nothing)."""
    names = [name.strip() for name in roles.split(",") if name.strip()]
    unknown = sorted(set(names) - set(ROLES))
    if unknown:
        raise ValidationError(
            f"unknown role(s) {', '.join(unknown)}; the roles are {', '.join(ROLES)}",
            {"field": "roles", "unknown": unknown, "roles": list(ROLES)},
        )
    return ",".join(dict.fromkeys(names))


def find_user(username: str, tenant_id: str = DEFAULT_TENANT) -> User | None:
    return db.session.execute(
        select(User).where(User.tenant_id == tenant_id, User.username == username)
    ).scalar_one_or_none()


def get_user(username: str, tenant_id: str = DEFAULT_TENANT) -> User:
    user = find_user(username, tenant_id)
    if user is None:
        raise NotFound(f"user '{username}' does not exist")
    return user


def ensure_group(name: str, tenant_id: str = DEFAULT_TENANT) -> Group:
    """Return the group, creating it when missing."""
    group = db.session.execute(
        select(Group).where(Group.tenant_id == tenant_id, Group.name == name)
    ).scalar_one_or_none()
    if group is None:
        group = Group(name=name, tenant_id=tenant_id)
        db.session.add(group)
        audit.record(None, "group.create", group, after={"name": name})
        db.session.commit()
    return group


def add_to_group(username: str, group_name: str, tenant_id: str = DEFAULT_TENANT) -> User:
    """Make the user a member of the group (created if missing); idempotent."""
    user = get_user(username, tenant_id)
    group = ensure_group(group_name, tenant_id)
    if group not in user.groups:
        user.groups.append(group)
        audit.record(None, "group.add_member", group, after={"member": username})
        db.session.commit()
    return user


def add_token(user: User, name: str, expires_in_days: int | None = None, raw: str | None = None):
    """Add a token row for `user`; returns (row, raw). Only the SHA-256 of raw is kept. The caller commits."""
    raw = raw or TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires = utcnow() + timedelta(days=expires_in_days) if expires_in_days else None
    token = ApiToken(
        user_id=user.id,
        tenant_id=user.tenant_id,
        name=name,
        token_hash=hash_token(raw),
        prefix=raw[:8],
        expires_at=expires,
    )
    db.session.add(token)
    return token, raw


def create_token(
    username: str,
    *,
    name: str = "token",
    raw: str | None = None,
    expires_in_days: int | None = None,
    tenant_id: str = DEFAULT_TENANT,
) -> str:
    """Create an API token and return it; this is the only time the raw value is visible."""
    token, raw = add_token(get_user(username, tenant_id), name, expires_in_days, raw)
    audit.record(None, "token.create", token, after={"user": username, "name": name, "prefix": raw[:8]})
    db.session.commit()
    return raw


def revoke_token(prefix: str, username: str, tenant_id: str = DEFAULT_TENANT) -> int:
    """Revoke the user's tokens starting with `prefix`; returns how many (a 404 when none was)."""
    user = get_user(username, tenant_id)
    tokens = db.session.execute(
        select(ApiToken).where(
            ApiToken.user_id == user.id, ApiToken.prefix == prefix[:8], ApiToken.revoked_at.is_(None)
        )
    ).scalars()
    count = 0
    for token in tokens:
        token.revoked_at = utcnow()
        audit.record(None, "token.revoke", token, after={"user": username, "prefix": token.prefix})
        count += 1
    if not count:
        raise NotFound(f"user '{username}' has no active token starting with '{prefix[:8]}'")
    db.session.commit()
    return count


def ensure_bootstrap_admin(raw_token: str, username: str = "admin") -> User:
    """Make sure an admin user exists whose API token is `raw_token` (BATON_ADMIN_TOKEN)."""
    user = find_user(username) or create_user(username, roles="admin")
    exists = db.session.execute(
        select(ApiToken.id).where(ApiToken.token_hash == hash_token(raw_token))
    ).first()
    if not exists:  # (audited as every other token is: a token made unseen is a way in unseen)
        token, _ = add_token(user, "bootstrap", raw=raw_token)
        after = {"user": username, "name": "bootstrap", "prefix": token.prefix}
        audit.record(None, "token.create", token, after=after)
        db.session.commit()
    return user
