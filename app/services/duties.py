"""Enforcing a task's `notBy` (app.engine.duties): who may not claim, be delegated or complete it.

A task without the property costs nothing. One with it costs one read of the instance's completed
tasks of the names it lists, at claim, delegation, completion and on its page. A refused claim,
completion or delegation is audited (`task.<action>_refused`), as a refused signature is.
"""

from __future__ import annotations

from sqlalchemy import select

from app.engine.duties import STARTER, not_by
from app.errors import BatonError, Forbidden, ValidationError
from app.extensions import db
from app.models import ProcessInstance, User, UserTask
from app.models.tasks import COMPLETED, OPEN
from app.services import audit
from app.services.bundles import bundle_for_id


def element_of(task: UserTask) -> tuple[ProcessInstance, dict]:
    instance = db.session.get_one(ProcessInstance, task.instance_id)
    return instance, bundle_for_id(instance.definition_id).elements.get(task.element_id, {})


def reason_against(
    username: str, instance: ProcessInstance, element: dict, task: UserTask | None = None, taking=False
) -> str | None:
    """What keeps `username` from a task of `element` in `instance`, said of them ("started this
    case"), or None when nothing does. A multi-instance task whose `notBy` names itself takes one
    completion per person in each round (a vote each, however many seats their groups give them),
    and, when they are `taking` it (a claim, a delegation to them), one seat held at a time: a second
    would stay theirs, unworkable, once they voted on the first."""
    names = not_by(element)
    if STARTER in names and instance.started_by == username:
        return "started this case"
    tasks = [name for name in names if name != STARTER]
    if task is not None and task.element_id in tasks:
        siblings = _round_siblings(instance, task)
        if siblings is not None:  # a loop instance: its own name means the others of its round
            tasks.remove(task.element_id)
            seat = f"another '{task.name or task.element_id}' of this round"
            if _any_of(siblings, UserTask.status == COMPLETED, UserTask.completed_by == username):
                return f"completed {seat}"
            held = (UserTask.status == OPEN, UserTask.assignee == username)
            if taking and _any_of(siblings - {task.id}, *held):
                return f"took {seat}"
    if not tasks:
        return None
    done = db.session.execute(
        select(UserTask.name, UserTask.element_id)
        .where(
            UserTask.instance_id == instance.id,
            UserTask.element_id.in_(tasks),
            UserTask.status == COMPLETED,
            UserTask.completed_by == username,
        )
        .limit(1)
    ).first()
    return f"completed '{done.name or done.element_id}' in this case" if done else None


def _round_siblings(instance: ProcessInstance, task: UserTask) -> set | None:
    from app.services.instances import load_runner  # (instances builds on the services below it)

    runner, _ = load_runner(instance)
    return runner.round_siblings(task.id)


def _any_of(task_ids: set, *where) -> bool:
    """Whether any of the tasks `task_ids` matches `where`."""
    query = select(UserTask.id).where(UserTask.id.in_(task_ids), *where)
    return db.session.execute(query.limit(1)).first() is not None


def require_separate(
    user: User, instance: ProcessInstance, task: UserTask, element: dict, doing: str, audited: bool = True
):
    """A 403 naming the rule when the model keeps `user` from this task (four eyes); an attempt to
    change the task (`audited`: claim, complete) is audited as `task.<doing>_refused`."""
    why = reason_against(user.username, instance, element, task, taking=doing == "claim")
    if why:
        refused = Forbidden(
            f"four eyes: you {why}, so someone else must {doing} '{task.name or task.element_id}'",
            {"rule": "notBy", "not_by": not_by(element)},
        )
        if audited:
            _record(user, doing, task, element, refused)
        raise refused


def require_delegable(user: User, username: str, instance: ProcessInstance, task: UserTask, element: dict):
    """A 400 naming `to` when the rule keeps `username` from the task, audited as task.delegate_refused."""
    why = reason_against(username, instance, element, task, taking=True)
    if why:
        refused = ValidationError(
            f"four eyes: {username} {why}, so the task cannot go to them", {"field": "to"}
        )
        _record(user, "delegate", task, element, refused, to=username)
        raise refused


def _record(user: User, doing: str, task: UserTask, element: dict, refused: BatonError, **after) -> None:
    """Keep the refused attempt on the trail (a regulated auditor reads refusals there), in a
    transaction of its own: the request's work is rolled back, the attempt committed."""
    after = {"rule": "notBy", "not_by": not_by(element), **after}
    audit.record_refused(user, f"task.{doing}_refused", task, after=after, reason=refused.message)
