"""Signing in with a password, and the two limits on failing to.

Per address: MAX_PER_ADDRESS failures of one username from one address in PER_ADDRESS_WINDOW pause
that username from that address (a typo-prone person elsewhere is not stopped by a guesser).
Per account: SIGN_IN_ACCOUNT_MAX_FAILURES (config) failures of one username from any address in
SIGN_IN_ACCOUNT_WINDOW_MINUTES pause it everywhere, so a guesser spreading attempts over many
addresses gets that many guesses a window, not five a minute per address. Camunda 7 locks a user
after `loginMaxAttempts` too; here the pause ends on its own as the oldest failure leaves the window
(an attacker can keep an account paused, but cannot have it locked until an admin notices).

Failures are counted from the audit trail's `user.sign_in_failed` entries of that username only, not
in a worker's memory: every gunicorn worker and a restart see one count, and no other username's
failures ever count. A partial index (ix_audit_sign_in_failures) finds them without reading the rest
of the trail. A refused attempt is audited as `user.sign_in_blocked` and never counts as a failure, so
waiting always ends the pause.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from math import ceil

from flask import current_app
from sqlalchemy import select

from app.errors import TooManyRequests
from app.extensions import db
from app.models import AuditEntry, User
from app.models.base import DEFAULT_TENANT, utcnow
from app.services import audit
from app.services.identity import SIGN_IN_FAILED, authenticate_password, find_user

SIGN_IN_BLOCKED = "user.sign_in_blocked"
MAX_PER_ADDRESS, PER_ADDRESS_WINDOW = 5, timedelta(minutes=1)
ADDRESS, ACCOUNT = "address", "account"  # which limit paused a sign-in (the audit entry's `limit`)


class SignInPaused(TooManyRequests):
    """A 429 for a paused sign-in; `retry_after` is the seconds until it ends (the Retry-After header)."""

    def __init__(self, block: Block):
        super().__init__(block.message, {"limit": block.limit, "retry_after_seconds": block.retry_after})
        self.retry_after = block.retry_after


@dataclass(frozen=True)
class Block:
    """A paused sign-in: which limit, how many failures in what window, and the seconds left."""

    limit: str
    failures: int
    window: timedelta
    retry_after: int

    @property
    def message(self) -> str:
        where = "from this address" if self.limit == ADDRESS else "for this account, from any address"
        return (
            f"Too many failed sign-ins {where}: {self.failures} in {_minutes(self.window)}. "
            f"Try again in {_minutes(timedelta(seconds=self.retry_after))}."
        )


def sign_in(username: str, password: str, address: str | None) -> User | None:
    """The user `username` whose password this is, else None (the failure audited); a 429 naming the
    limit, with `details.retry_after_seconds`, while either limit pauses this username (audited as
    `user.sign_in_blocked`; the password is not even checked)."""
    block = sign_in_blocked(username, address)
    if block is not None:
        _refuse(username, address, block)
    return authenticate_password(username, password, address)


def sign_in_blocked(username: str, address: str | None) -> Block | None:
    """Which limit pauses `username` signing in from `address` now, if one does (see the module)."""
    tenant, object_id = _counted_as(username)
    by_address = _oldest_failure(tenant, object_id, MAX_PER_ADDRESS, PER_ADDRESS_WINDOW, address or "")
    if by_address is not None:
        return _block(ADDRESS, MAX_PER_ADDRESS, PER_ADDRESS_WINDOW, by_address)
    settings = current_app.config["BATON"]
    most, window = (
        settings.SIGN_IN_ACCOUNT_MAX_FAILURES,
        timedelta(minutes=settings.SIGN_IN_ACCOUNT_WINDOW_MINUTES),
    )
    by_account = _oldest_failure(tenant, object_id, most, window)
    return None if by_account is None else _block(ACCOUNT, most, window, by_account)


def _counted_as(username: str) -> tuple[str, str]:
    # A failure is audited on the user (by id) when the name exists, else on the name tried.
    user = find_user(username) if username else None
    return (user.tenant_id, str(user.id)) if user is not None else (DEFAULT_TENANT, username)


def _oldest_failure(
    tenant: str, object_id: str, most: int, window: timedelta, address: str | None = None
) -> datetime | None:
    """When the oldest of the last `most` failures in `window` happened, if there were that many
    (from `address` only when given)."""
    failures = (
        select(AuditEntry.at)
        .where(AuditEntry.tenant_id == tenant, AuditEntry.action == SIGN_IN_FAILED)
        .where(AuditEntry.object_id == object_id, AuditEntry.at > (utcnow() - window).isoformat())
        .order_by(AuditEntry.at.desc())
        .limit(most)
    )
    if address is not None:
        failures = failures.where(AuditEntry.after["address"].as_string() == address)
    stamps = list(db.session.execute(failures).scalars())
    return datetime.fromisoformat(stamps[-1]) if len(stamps) >= most else None


def _block(limit: str, most: int, window: timedelta, oldest: datetime) -> Block:
    # Paused until the oldest counted failure leaves the window (at least a second: Retry-After > 0).
    wait = ceil((oldest + window - utcnow()).total_seconds())
    return Block(limit, most, window, max(wait, 1))


def _refuse(username: str, address: str | None, block: Block) -> None:
    user = find_user(username) if username else None
    tried = user if user is not None else ("user", username)
    after = {"username": username, "address": address or "", "limit": block.limit}
    audit.record_refused("anonymous", SIGN_IN_BLOCKED, tried, after=after, reason=block.message)
    raise SignInPaused(block)


def _minutes(span: timedelta) -> str:
    seconds = ceil(span.total_seconds())
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = ceil(seconds / 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"
