"""Escalations: a user task left waiting notifies the next level, then reassigns or approves itself.

Properties (on the user task, or on the process for all its user tasks):
  escalation.levels=team-lead,manager,director   groups notified in turn (at most escalation.maxLevels, 3)
  escalation.after=PT24H                         wait before each level (business time if the
                                                 definition names a businessCalendar)
  escalation.onTimeout=reassign:<group>|autoApprove   one more period after the last level

Each step is a job row (kind "escalation") due when the level is; the beat sweep fires it like a
non-interrupting timer: the task stays open. A level is recorded in `escalations` under a unique
(task, level) key, so a redelivered or raced job never notifies the same level twice.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.engine.errors import CompletionFailed, NotReady
from app.engine.reports import StepResult
from app.errors import Conflict, NotFound
from app.extensions import db
from app.models import Escalation, Job, ProcessInstance, TaskCandidate, UserTask
from app.models.base import as_utc, utcnow
from app.models.instances import ENDED, SUSPENDED
from app.models.jobs import DONE, ESCALATION, LIVE, PENDING
from app.models.tasks import OPEN
from app.services import calendars
from app.services import notifications as notes
from app.services.instances import commit_step, load_runner, lock_instance
from app.services.jobs import JOB_RUNNERS, POSTPONE
from app.services.notification_recipients import workers
from app.services.stepping import after_step, persist_step

log = logging.getLogger(__name__)
DEFAULT_MAX_LEVELS, DEFAULT_AFTER = 3, "PT24H"
ACTOR = "escalation"  # completed_by of an automatically approved task
AUTO_APPROVED = {"approved": True, "decision": "approve", "autoApproved": True}


def plan(props: dict) -> tuple[list[str], str, str | None]:
    """(level groups, wait per level, timeout action) from the merged properties."""
    levels = [g.strip() for g in (props.get("escalation.levels") or "").split(",") if g.strip()]
    limit = int(props.get("escalation.maxLevels") or DEFAULT_MAX_LEVELS)
    return levels[:limit], props.get("escalation.after") or DEFAULT_AFTER, props.get("escalation.onTimeout")


@after_step
def schedule_escalations(instance: ProcessInstance, result: StepResult) -> None:
    """Give each user task this step created its first escalation job, when its model asks for one."""
    for task in notes.new_tasks(instance):
        props = notes.properties_of(instance, task.element_id)
        _business_due(instance, task, props)
        levels, after, timeout = plan(props)
        if levels or timeout:
            _schedule(instance, task.id, 1, calendars.due_after(props, utcnow(), after))


def _business_due(instance: ProcessInstance, task: UserTask, props: dict) -> None:
    """A literal duration due date (`camunda:dueDate="PT8H"`) counted in the definition's calendar."""
    raw = str(notes.element_of(instance, task.element_id).get("due_date") or "").strip()
    if raw.startswith("P") and props.get("businessCalendar"):
        task.due = calendars.due_after(props, task.created_at or utcnow(), raw)


def _schedule(instance: ProcessInstance, task_id, level: int, due: datetime) -> None:
    db.session.add(
        Job(
            tenant_id=instance.tenant_id,
            kind=ESCALATION,
            instance_id=instance.id,
            task_id=task_id,
            payload={"level": level},
            status=PENDING,
            due_at=due,
        )  # fmt: skip
    )


def run_escalation(claimed: Job, delivery: str | None = None) -> str:
    """Fire one escalation job (a Celery delivery); a second delivery finds it done and does nothing."""
    job_id, tenant_id, instance_id = claimed.id, claimed.tenant_id, claimed.instance_id
    try:
        instance = lock_instance(tenant_id, instance_id)  # instance first, then job: the lock order
    except NotFound:
        return _finish(job_id, "cancelled")
    job = db.session.get(Job, job_id, with_for_update=True, populate_existing=True)
    task = db.session.get(UserTask, job.task_id) if job is not None and job.status in LIVE else None
    if job is None or task is None or task.status != OPEN or instance.status in ENDED:
        return _finish(job_id, "cancelled")
    if instance.status == SUSPENDED:
        job.status, job.due_at, job.locked_until = PENDING, utcnow() + POSTPONE, None
        db.session.commit()
        return "postponed"
    props = notes.properties_of(instance, task.element_id)
    levels, after, timeout = plan(props)
    level = int(job.payload.get("level", 1))
    job.status, job.locked_until = DONE, None
    if not _record_level(task, level, levels[level - 1] if level <= len(levels) else timeout or ""):
        db.session.commit()
        return "duplicate"
    if level <= len(levels):
        return _escalate(instance, task, level, levels, props, as_utc(job.due_at))
    return _time_out(instance, task, timeout)


def _finish(job_id, outcome: str) -> str:
    db.session.rollback()
    job = db.session.get(Job, job_id, with_for_update=True)
    if job is not None and job.status in LIVE:
        job.status, job.locked_until = DONE, None
    db.session.commit()
    return outcome


def _record_level(task: UserTask, level: int, target: str) -> bool:
    """Insert the (task, level) row; False if another delivery already did."""
    try:
        with db.session.begin_nested():
            db.session.add(Escalation(tenant_id=task.tenant_id, task_id=task.id, level=level, target=target))
    except IntegrityError:
        return False
    return True


def _escalate(instance, task: UserTask, level: int, levels: list[str], props: dict, due: datetime) -> str:
    group = levels[level - 1]
    _offer_to(task, [*task.candidate_groups, group] if group not in task.candidate_groups else None)
    people = workers(task.tenant_id, groups=[group])
    notes.notify(notes.TASK_ESCALATED, instance, task, people, escalation_level=level, escalation_group=group)
    _, after, timeout = plan(props)
    if level < len(levels) or timeout:
        # From when this level was due, not when it ran: a level fired late (the worker was down)
        # does not push the next ones back (24, 48, 72 h after the task was made, not 24, 54, 78).
        _schedule(instance, task.id, level + 1, calendars.due_after(props, due, after))
    db.session.commit()
    return f"escalated:{group}"


def _offer_to(task: UserTask, groups: list[str] | None, unassign: bool = False) -> None:
    """Make the level's group a candidate, so the people told about the task can act on it."""
    if unassign:
        task.assignee = None
        for candidate in list(task.candidates):
            task.candidates.remove(candidate)
        db.session.flush()
    if groups is None:
        return
    known = {c.name for c in task.candidates if c.kind == "group"}
    task.candidate_groups = list(groups)
    task.candidates.extend(
        TaskCandidate(kind="group", name=g, tenant_id=task.tenant_id) for g in groups if g not in known
    )


def _time_out(instance: ProcessInstance, task: UserTask, action: str | None) -> str:
    action = (action or "").strip()
    if action.startswith("reassign:"):
        group = action.split(":", 1)[1].strip()
        task.candidate_users, task.offered_to_all = [], False  # the group's alone from now on
        _offer_to(task, [group], unassign=True)
        people = workers(task.tenant_id, groups=[group])
        notes.notify(notes.TASK_ASSIGNED, instance, task, people)
        db.session.commit()
        return f"reassigned:{group}"
    if action == "autoApprove":
        return _auto_approve(instance, task)
    log.warning("task %s: unknown escalation.onTimeout %r", task.id, action)
    db.session.commit()
    return "ignored"


def _auto_approve(instance: ProcessInstance, task: UserTask) -> str:
    runner, elements = load_runner(instance)
    try:
        runner.complete_user_task(task.id, dict(AUTO_APPROVED), ACTOR)
    except NotReady:
        db.session.commit()
        return "cancelled"
    except CompletionFailed as exc:
        runner.error = exc  # no one to tell: an incident, retried by completing the task again
    persist_step(instance, runner.result(), elements, completed_task_id=task.id, actor=ACTOR)
    try:
        commit_step()
    except Conflict:
        return "conflict"
    return "approved"


def escalations_of(task_id) -> list[Escalation]:
    return list(
        db.session.execute(
            select(Escalation).where(Escalation.task_id == task_id).order_by(Escalation.level)
        ).scalars()
    )


JOB_RUNNERS[ESCALATION] = run_escalation
