"""Who holds a user task: claiming it, giving it back to its candidates, delegating it.

Each is refused on a task no longer open or of an instance not running, and checked against the
task's four-eyes rules (duties) and who may sign it (signatures); each is audited with the assignee
before and after, and commits.
"""

from __future__ import annotations

from app.errors import Conflict, ValidationError
from app.extensions import db
from app.models import ProcessInstance, User, UserTask
from app.services import audit, duties, permissions, signatures
from app.services.tasks import get_task, require_open, require_running, require_workable


def claim_task(user: User, task_id) -> UserTask:
    permissions.require(user, permissions.WORK)  # (the API checks it at its door; the inbox not)
    task = get_task(user, task_id, lock=True)
    require_open(task)
    if task.assignee and task.assignee != user.username:
        raise Conflict(f"task {task_id} is already claimed by {task.assignee}", {"assignee": task.assignee})
    instance, element = duties.element_of(task)
    require_running(instance, "claimed")
    duties.require_separate(user, instance, task, element, "claim")
    signatures.require_own_signing(user, task, element)
    before, after = {"assignee": task.assignee}, {"assignee": user.username}
    audit.record(user, "task.claim", task, before=before, after=after)
    task.assignee = user.username
    db.session.commit()
    return task


def unclaim_task(user: User, task_id) -> UserTask:
    """Give a claimed task back to its candidates (or everyone, when its model names no one)."""
    permissions.require(user, permissions.WORK)
    task = require_workable(user, get_task(user, task_id, lock=True), "unclaim")
    if task.assignee is None:
        raise Conflict(f"task {task_id} is not claimed")
    require_running(db.session.get_one(ProcessInstance, task.instance_id), "unclaimed")
    if not task.has_pool:
        raise Conflict(
            f"task {task_id} was assigned to {task.assignee} by the process and has no group to go "
            "back to; delegate it instead"
        )
    audit.record(user, "task.unclaim", task, before={"assignee": task.assignee}, after={"assignee": None})
    task.assignee = None
    db.session.commit()
    return task


def delegate_task(user: User, task_id, to_username: str) -> UserTask:
    """Hand a task to another user of the tenant who works tasks; its holder (or an admin, or for an
    unclaimed task whoever may work on it) may do so."""
    permissions.require(user, permissions.TRIAGE)
    task = require_workable(user, get_task(user, task_id, lock=True), "delegate")
    instance, element = duties.element_of(task)
    require_running(instance, "delegated")
    target = delegate_target(user, to_username)
    duties.require_delegable(user, target.username, instance, task, element)
    signatures.require_signer(target, task.name or task.element_id, element, "to")
    before, after = {"assignee": task.assignee}, {"assignee": target.username}
    audit.record(user, "task.delegate", task, before=before, after=after)
    task.assignee = target.username
    db.session.commit()
    return task


def delegate_target(user: User, username: str, field: str = "to") -> User:
    """Who may be handed someone's work (one task, or all of it while they are away): an active user
    of `user`'s tenant who works on tasks; else a 400 naming `field`."""
    from app.services.identity import find_user

    target = find_user(username, user.tenant_id)
    if target is None or not target.active:
        raise ValidationError(f"user '{username}' does not exist", {"field": field})
    if not permissions.allowed(target, permissions.WORK):
        raise ValidationError(
            f"user '{username}' does not work on tasks (needs the role user or admin)", {"field": field}
        )
    return target
