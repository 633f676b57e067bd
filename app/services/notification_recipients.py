"""Who hears about a step: the active users named or in the groups named, whoever stands in for them
(an active delegation: the delegate works the delegator's tasks, so hears of them too), and whom
they unsubscribed.

Answers are remembered for the transaction (a timer batch asks the same per instance) and forgotten
at its end.
"""

from __future__ import annotations

from sqlalchemy import event, or_, select
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import Delegation, Group, GroupMembership, User, UserTask
from app.models.base import utcnow
from app.models.notifications import NotificationPreference
from app.services.delegation import active_at

MAX_RECIPIENTS = 200
_PEOPLE = "baton_people"  # per-transaction cache of who is who: a timer batch asks the same per instance


def _remembered(key: tuple, load):
    cache = db.session.info.setdefault(_PEOPLE, {})
    if key not in cache:
        cache[key] = load()
    return cache[key]


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_people(session) -> None:
    session.info.pop(_PEOPLE, None)


def user_named(tenant_id: str, username: str) -> User | None:
    # The query is built only on a miss: building it costs as much as a remembered answer saves.
    return _remembered(("user", tenant_id, username), lambda: _load_user(tenant_id, username))


def _load_user(tenant_id: str, username: str) -> User | None:
    query = select(User).where(User.tenant_id == tenant_id, User.username == username)
    return db.session.execute(query).scalar_one_or_none()


def recipients(tenant_id: str, users=(), groups=()) -> list[User]:
    """Active users named, or members of the groups named (one query per transaction, capped)."""
    if not users and not groups:
        return []
    key = ("recipients", tenant_id, tuple(sorted(users)), tuple(sorted(groups)))
    return _remembered(key, lambda: _load_recipients(tenant_id, users, groups))


def _load_recipients(tenant_id: str, users, groups) -> list[User]:
    members = select(GroupMembership.user_id).join(Group, Group.id == GroupMembership.group_id)
    members = members.where(Group.tenant_id == tenant_id, Group.name.in_(list(groups)))
    query = select(User).where(
        User.tenant_id == tenant_id, User.active.is_(True),
        or_(User.username.in_(list(users)), User.id.in_(members)),
    )  # fmt: skip
    people = list(db.session.execute(query.order_by(User.username).limit(MAX_RECIPIENTS)).scalars())
    for person in people:  # a template's {{requester_name}} asks for them again
        _remembered(("user", tenant_id, person.username), lambda person=person: person)
    return people


def task_recipients(task: UserTask) -> list[User]:
    if task.assignee:
        return workers(task.tenant_id, [task.assignee])
    return workers(task.tenant_id, task.candidate_users or [], task.candidate_groups or [])


def workers(tenant_id: str, users=(), groups=()) -> list[User]:
    """Who hears of a task offered to `users` and `groups`: those `recipients` and their stand-ins."""
    people = recipients(tenant_id, users, groups)
    if not people:
        return people
    key = ("stand_ins", tenant_id, *sorted(p.username for p in people))
    return people + _remembered(key, lambda: _load_stand_ins(tenant_id, people))


def _load_stand_ins(tenant_id: str, people: list[User]) -> list[User]:
    names = [p.username for p in people]
    delegates = select(Delegation.delegate).where(
        Delegation.tenant_id == tenant_id, Delegation.delegator.in_(names), active_at(utcnow())
    )
    query = select(User).where(
        User.tenant_id == tenant_id, User.active.is_(True),
        User.username.in_(delegates), User.username.not_in(names),
    )  # fmt: skip
    return list(db.session.execute(query.order_by(User.username).limit(MAX_RECIPIENTS)).scalars())


def unsubscribed(people: list[User]) -> set[tuple]:
    ids = sorted(p.id for p in people)
    return _remembered(("unsubscribed", *ids), lambda: _load_unsubscribed(ids))


def _load_unsubscribed(user_ids: list) -> set[tuple]:
    query = select(NotificationPreference.user_id, NotificationPreference.channel).where(
        NotificationPreference.user_id.in_(user_ids)
    )
    return {tuple(r) for r in db.session.execute(query)}
