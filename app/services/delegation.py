"""Delegation: while active, a delegate sees and may work the delegator's tasks.

Two kinds: out-of-office (a user for themself, for a date range) and permanent (set by an admin for
anyone, until revoked). At most one hop: a delegate acts for their delegators' own tasks only, never
for tasks those delegators see through delegations of their own. Every change is audited.
"""

from __future__ import annotations

from datetime import datetime

from flask import has_request_context, request
from sqlalchemy import or_, select

from app.errors import Forbidden, NotFound, ValidationError
from app.extensions import db
from app.models import Delegation, User
from app.models.base import utcnow
from app.models.brief import OUT_OF_OFFICE, PERMANENT
from app.services import audit


def active_at(now: datetime):
    """The condition on Delegation rows in force at `now`."""
    return (
        Delegation.revoked_at.is_(None)
        & or_(Delegation.starts_at.is_(None), Delegation.starts_at <= now)
        & or_(Delegation.ends_at.is_(None), Delegation.ends_at > now)
    )


def delegators_of(user: User, now: datetime | None = None) -> list[User]:
    """The active users whose tasks `user` may act on now (one hop)."""
    query = select(User).join(
        Delegation, (Delegation.delegator == User.username) & (Delegation.tenant_id == User.tenant_id)
    )
    query = query.where(
        Delegation.tenant_id == user.tenant_id,
        Delegation.delegate == user.username,
        active_at(now or utcnow()),
        User.active.is_(True),
    )
    return list(db.session.execute(query).scalars().unique())


def _memo() -> dict:
    return request.environ.setdefault("baton.acting_for", {}) if has_request_context() else {}


def remember_acting_for(user: User, known: tuple) -> None:
    """Seed this request's answer for `user` (authentication read it already)."""
    _memo()[user.id] = (set(known[0]), set(known[1]))


def acting_for(user: User) -> tuple[set[str], set[str]]:
    """Usernames and groups whose offers `user` may take: their own plus their delegators'.

    Worked out once per request: listing, visibility and completion checks all ask it.
    """
    memo = _memo()
    if user.id not in memo:
        names, groups = {user.username}, set(user.group_names)
        for delegator in delegators_of(user):
            names.add(delegator.username)
            groups |= set(delegator.group_names)
        memo[user.id] = (names, groups)
    return memo[user.id]


def create_delegation(actor: User, data: dict) -> Delegation:
    """Create an out-of-office (own, with a date range) or permanent (admin only) delegation.

    The delegate is whom a single task could be delegated to (task_assignment.delegate_target), and may sign
    each of the delegator's open tasks that asks for a signature (a 400 naming the field otherwise).
    """
    delegator = data.get("delegator") or actor.username
    kind = PERMANENT if data.get("permanent") else OUT_OF_OFFICE
    if (kind == PERMANENT or delegator != actor.username) and not actor.is_admin:
        raise Forbidden("only an admin may delegate permanently or on behalf of another user")
    if kind == OUT_OF_OFFICE and not (data.get("starts_at") and data.get("ends_at")):
        raise ValidationError("an out-of-office delegation needs starts_at and ends_at", {"field": "ends_at"})
    if kind == OUT_OF_OFFICE and data["ends_at"] <= data["starts_at"]:
        raise ValidationError("ends_at must be after starts_at", {"field": "ends_at"})
    if kind == OUT_OF_OFFICE and data["ends_at"] <= utcnow():
        raise ValidationError(
            f"ends_at {data['ends_at'].isoformat()} is already past: the delegation would never be active",
            {"field": "ends_at"},
        )
    _check_parties(actor, delegator, data["delegate"])
    row = Delegation(
        tenant_id=actor.tenant_id,
        delegator=delegator,
        delegate=data["delegate"],
        kind=kind,
        starts_at=None if kind == PERMANENT else data["starts_at"],
        ends_at=None if kind == PERMANENT else data["ends_at"],
        created_by=actor.username,
    )
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "delegation.create", ("delegation", row.id), after=_describe(row))
    db.session.commit()
    return row


def _check_parties(actor: User, delegator: str, delegate: str) -> None:
    from app.services.identity import find_user
    from app.services.signatures import require_signer_of_offers
    from app.services.task_assignment import delegate_target

    found = find_user(delegator, actor.tenant_id)
    if found is None or not found.active:
        raise ValidationError(f"user '{delegator}' does not exist", {"field": "delegator"})
    if delegator == delegate:
        raise ValidationError("a user cannot delegate to themself", {"field": "delegate"})
    require_signer_of_offers(delegate_target(actor, delegate, "delegate"), found)


def list_delegations(actor: User) -> list[Delegation]:
    """An admin sees all of the tenant's delegations; a user those they give or receive."""
    query = select(Delegation).where(Delegation.tenant_id == actor.tenant_id, Delegation.revoked_at.is_(None))
    if not actor.is_admin:
        query = query.where(
            or_(Delegation.delegator == actor.username, Delegation.delegate == actor.username)
        )
    return list(db.session.execute(query.order_by(Delegation.created_at)).scalars())


def revoke_delegation(actor: User, delegation_id) -> Delegation:
    """End a delegation now: its delegator or an admin may."""
    row = db.session.get(Delegation, delegation_id)
    if row is None or row.tenant_id != actor.tenant_id or row.revoked_at is not None:
        raise NotFound(f"delegation {delegation_id} does not exist")
    if row.delegator != actor.username and not actor.is_admin:
        raise Forbidden("only the delegator or an admin can revoke a delegation")
    row.revoked_at = utcnow()
    audit.record(actor, "delegation.revoke", ("delegation", row.id), before=_describe(row))
    db.session.commit()
    return row


def _describe(row: Delegation) -> dict:
    return {
        "delegator": row.delegator,
        "delegate": row.delegate,
        "kind": row.kind,
        "starts_at": row.starts_at.isoformat() if row.starts_at else None,
        "ends_at": row.ends_at.isoformat() if row.ends_at else None,
    }
