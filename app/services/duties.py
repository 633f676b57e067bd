"""Enforcing a task's `notBy` (app.engine.duties): who may not claim, be delegated or complete it.

A task without the property costs nothing. One with it costs one read of the instance's completed
tasks of the names it lists, at claim, delegation, completion and on its page.
"""

from __future__ import annotations

from sqlalchemy import select

from app.engine.duties import STARTER, not_by
from app.errors import Forbidden, ValidationError
from app.extensions import db
from app.models import ProcessInstance, User, UserTask
from app.models.tasks import COMPLETED
from app.services.bundles import bundle_for_id


def element_of(task: UserTask) -> tuple[ProcessInstance, dict]:
    instance = db.session.get_one(ProcessInstance, task.instance_id)
    return instance, bundle_for_id(instance.definition_id).elements.get(task.element_id, {})


def reason_against(username: str, instance: ProcessInstance, element: dict) -> str | None:
    """What keeps `username` from a task of `element` in `instance`, said of them ("started this
    case"), or None when nothing does."""
    names = not_by(element)
    if STARTER in names and instance.started_by == username:
        return "started this case"
    tasks = [name for name in names if name != STARTER]
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


def require_separate(user: User, instance: ProcessInstance, task: UserTask, element: dict, doing: str):
    """A 403 naming the rule when the model keeps `user` from this task (four eyes)."""
    why = reason_against(user.username, instance, element)
    if why:
        raise Forbidden(
            f"four eyes: you {why}, so someone else must {doing} '{task.name or task.element_id}'",
            {"rule": "notBy", "not_by": not_by(element)},
        )


def require_delegable(username: str, instance: ProcessInstance, element: dict) -> None:
    why = reason_against(username, instance, element)
    if why:
        raise ValidationError(f"four eyes: {username} {why}, so the task cannot go to them", {"field": "to"})
