"""Whom the inbox's Delegate lists offer a task to: only those the delegation would hand it to.

Delegating (task_assignment.delegate_task) refuses a user who does not work on tasks, one outside the
group of the task's signature role (signatures.require_signer: only they could sign and complete it)
and one the task's four-eyes rule keeps from it (duties.require_delegable). A list that offered them
would offer choices that can only fail, so each list is the colleagues (inbox sign-in, a role that
works on tasks) less those the same rules would refuse.
"""

from __future__ import annotations

from sqlalchemy import or_, select

from app.engine.duties import not_by
from app.extensions import db
from app.models import Group, ProcessInstance, User, UserTask
from app.services import duties, permissions
from app.services.bundles import bundle_for_id
from app.services.signatures import required_role

LIMIT = 500


def colleagues(user: User, group: str | None = None) -> list[str]:
    """The users of the tenant, other than `user`, who can work a task in the inbox (active, with a
    password to sign in, a role that works on tasks), and members of `group` when given.

    A token-only user (the bootstrap admin, a client of the API) is no choice here: it cannot sign
    in to work what it was handed. The API still delegates to it (delegate_target): it works tasks
    through the API, with its token."""
    rows = db.session.execute(
        select(User)
        .where(
            User.tenant_id == user.tenant_id,
            User.active.is_(True),
            User.password_hash.is_not(None),
            User.username != user.username,
            *([User.groups.any(Group.name == group)] if group else []),
        )
        .order_by(User.username)
        .limit(LIMIT)
    ).scalars()
    return [other.username for other in rows if permissions.allowed(other, permissions.WORK)]


def delegates_for(user: User, task: UserTask) -> list[str]:
    """The task page's Delegate list: the colleagues who may sign the task (when it is signed as a
    role) and whom its four-eyes rule does not keep from it."""
    instance, element = duties.element_of(task)
    return _allowed(colleagues(user, required_role(element)), instance, task, element)


def delegates_by_task(user: User, tasks: list[UserTask]) -> dict:
    """Each listed task's Delegate list (task id -> usernames), as delegates_for; one read of the
    colleagues per signature role among the tasks, and of the instances."""
    instances = _instances(tasks)
    by_role: dict[str | None, list[str]] = {}
    lists = {}
    for task in tasks:
        instance = instances[task.instance_id]
        element = bundle_for_id(instance.definition_id).elements.get(task.element_id, {})
        role = required_role(element)
        if role not in by_role:
            by_role[role] = colleagues(user, role)
        lists[task.id] = _allowed(by_role[role], instance, task, element)
    return lists


def _instances(tasks: list[UserTask]) -> dict:
    ids = {task.instance_id for task in tasks}
    if not ids:
        return {}
    rows = db.session.execute(select(ProcessInstance).where(ProcessInstance.id.in_(ids))).scalars()
    return {instance.id: instance for instance in rows}


def _allowed(names: list[str], instance: ProcessInstance, task: UserTask, element: dict) -> list[str]:
    """`names` less those the task's four-eyes rule keeps from it (as a delegation to them)."""
    if not not_by(element):
        return names
    involved = _involved(instance) & set(names)
    barred = {n for n in involved if duties.reason_against(n, instance, element, task, taking=True)}
    return [name for name in names if name not in barred]


def _involved(instance: ProcessInstance) -> set[str]:
    """Who started the case or completed or holds one of its tasks: the rule (engine/duties.py) keeps
    no one else from a task, so only they need asking about, one at a time, however many colleagues."""
    rows = db.session.execute(
        select(UserTask.completed_by, UserTask.assignee).where(
            UserTask.instance_id == instance.id,
            or_(UserTask.completed_by.is_not(None), UserTask.assignee.is_not(None)),
        )
    )
    names = {name for row in rows for name in row if name}
    return names | ({instance.started_by} if instance.started_by else set())
