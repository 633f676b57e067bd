"""Re-authentication at signing (21 CFR 11.200(a)(1)): each signature needs the signer's own password.

A bearer token or a web session says who sent the request; it does not say that the person is at the
keyboard now. So every signature asks for the password again and checks it with
`identity.check_password`, the one function the web sign-in checks passwords with. An account without
a password (a token-only service account) cannot sign at all: a signature attests a person.

Wrong passwords are counted in the database, not in a worker's memory: the signer's
`task.sign_refused` audit entries naming `wrong-password` in the last WINDOW. Every gunicorn worker
(and a restart) sees the same count, and the count is the trail an auditor reads. After MAX_WRONG of
them, signing is a 429 until the oldest leaves the window. (The sign-in page's limiter in web/auth.py
counts per process, so it could not serve here.) A partial index keeps the count off the rest of the
trail (models/security.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from math import ceil

from sqlalchemy import select

from app.errors import BatonError, Forbidden, TooManyRequests, ValidationError
from app.extensions import db
from app.models import AuditEntry, User
from app.models.base import utcnow
from app.services.identity import check_password

MAX_WRONG, WINDOW = 5, timedelta(minutes=15)
REFUSED = "task.sign_refused"  # the audit action every refused signing attempt is kept as
# Why an attempt was refused, as its audit entry and the error's details name it
WRONG, MISSING, NO_PASSWORD, THROTTLED = (
    "wrong-password",
    "missing-password",
    "no-password",
    "too-many-wrong-passwords",
)


def require_password(user: User, signature: dict) -> None:
    """Refuse the signature unless `signature["password"]` is `user`'s own password (see the module)."""
    if not user.password_hash:
        raise Forbidden(
            f"{user.username} has no password, so cannot sign: an electronic signature needs the "
            "signer's own password (a token-only account cannot sign)",
            {"refusal": NO_PASSWORD},
        )
    _require_not_throttled(user)
    password = signature.get("password")
    if not isinstance(password, str) or not password:
        raise ValidationError(
            "signing needs your password: send signature.password (the password you sign in with)",
            {"field": "signature.password", "refusal": MISSING},
        )
    if not check_password(user.password_hash, password):
        raise Forbidden(
            "the password is not correct: a signature needs your own sign-in password; nothing was signed",
            {"refusal": WRONG},
        )


def refusal_of(error: BatonError) -> str | None:
    """Why a signing attempt was refused (an error raised while checking a signature), or None."""
    return error.details.get("refusal") if isinstance(error.details, dict) else None


def _require_not_throttled(user: User) -> None:
    now = utcnow()
    recent = db.session.execute(
        select(AuditEntry.at)
        .where(AuditEntry.tenant_id == user.tenant_id, AuditEntry.action == REFUSED)
        .where(AuditEntry.actor_id == str(user.id), AuditEntry.at >= (now - WINDOW).isoformat())
        .where(AuditEntry.after["refusal"].as_string() == WRONG)
        .order_by(AuditEntry.at.desc())
        .limit(MAX_WRONG)
    ).scalars()
    stamps = list(recent)
    if len(stamps) < MAX_WRONG:
        return
    wait = ceil((datetime.fromisoformat(stamps[-1]) + WINDOW - now).total_seconds())
    raise TooManyRequests(
        f"{MAX_WRONG} wrong signing passwords in {WINDOW.seconds // 60} minutes: {user.username} can sign "
        f"again in {ceil(wait / 60)} minute(s)",
        {"refusal": THROTTLED, "retry_after_seconds": max(wait, 1)},
    )
