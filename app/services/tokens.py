"""A user's own API tokens over the API: issue (shown once), list (never the value), revoke."""

from __future__ import annotations

from sqlalchemy import select

from app.errors import Conflict, NotFound
from app.extensions import db
from app.models import ApiToken, User
from app.models.base import utcnow
from app.services import audit
from app.services.identity import add_token


def issue_token(user: User, name: str, expires_in_days: int | None) -> tuple[ApiToken, str]:
    """Create a token for `user`; returns (row, raw). Only the SHA-256 of raw is stored."""
    token, raw = add_token(user, name, expires_in_days)
    audit.record(user, "token.create", token, after={"name": name, "prefix": token.prefix})
    db.session.commit()
    return token, raw


def list_tokens(user: User) -> list[ApiToken]:
    return list(
        db.session.execute(
            select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at)
        ).scalars()
    )


def revoke_token(user: User, token_id) -> ApiToken:
    """Revoke one of the user's own tokens; someone else's token is a 404 (its existence is not told)."""
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id or token.tenant_id != user.tenant_id:
        raise NotFound(f"token {token_id} does not exist")
    if token.revoked_at is not None:
        raise Conflict(f"token {token_id} is already revoked")
    token.revoked_at = utcnow()
    audit.record(user, "token.revoke", token, after={"prefix": token.prefix})
    db.session.commit()
    return token
