"""A step's user task rows: the open tasks it closes (completed, or withdrawn when the engine
dropped them) and the ones it opens, with their candidates and any incident about their people.

A close also clears what hangs off the task: its candidate rows, the notifications announcing it
(marked read) and its pending escalations (cancelled). On PostgreSQL all of that goes with the
step's one write set (fast_flush); elsewhere it is sent here. Called by stepping.persist_step and,
for a task moved to another version of its process, by migration (redefine_user_task).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from app.engine.execution_facts import Activity, acting_on, held
from app.engine.reports import StepResult
from app.engine.usertasks import has_people, task_fields
from app.extensions import db
from app.models import ProcessInstance
from app.models.base import table_of
from app.models.jobs import CANCELLED as JOB_CANCELLED
from app.models.jobs import ESCALATION, PENDING, QUEUED, Job
from app.models.notifications import Notification
from app.models.tasks import CANCELLED, COMPLETED, OPEN, TaskCandidate, UserTask
from app.services import assignees, fast_flush, pending_writes, task_incidents
from app.services.bundles import spec_fact
from app.services.instance_facts import facts_of
from app.services.prepared import Prepared, new_row
from app.services.step_locks import take_open_task_ids

_OPEN_TASK_IDS = Prepared(
    select(UserTask.id).where(UserTask.instance_id == bindparam("instance_id"), UserTask.status == OPEN)
)


def open_task_ids(instance) -> set:
    known = take_open_task_ids(instance.id)  # read with the instance's lock (PostgreSQL)
    if known is not None:
        return known
    if not spec_fact(instance.definition_id, has_people):
        return set()
    db.session.flush()  # (an earlier step of this transaction may have made some)
    return set(_OPEN_TASK_IDS.scalars({"instance_id": instance.id}))


def sync(instance, result: StepResult, elements: Mapping, open_ids, step: tuple, before, now):
    completed_task_id, actor, sent = step
    ready = {t.task_id: t for t in result.user_tasks}
    gone = open_ids - set(ready)
    completed = completed_task_id if completed_task_id in gone else None
    if completed is not None:
        _close(instance, completed_task_id, COMPLETED, now, actor)
        gone.discard(completed_task_id)
    for task_id in gone:
        _close(instance, task_id, CANCELLED, now, None)
    task_incidents.resolve_closed(instance, before, completed, gone, actor)
    created = _create_user_tasks(
        instance, [t for i, t in ready.items() if i not in open_ids], elements, sent, now
    )
    if not open_ids - gone - {completed_task_id}:
        instance.open_tasks_known = created  # all its open tasks: the response needs no query


# Built once, for the ORM's flush path (SQLite); on PostgreSQL a close goes with the step's write set.
# The ORM's bulk UPDATE/DELETE built a statement and searched the identity map on every call.
_TASKS = table_of(UserTask)
_CLOSE_TASK = Prepared(
    update(_TASKS)
    .where(_TASKS.c.id == bindparam("task_id"))
    .values(status=bindparam("status"), completed_at=bindparam("now"), completed_by=bindparam("actor"))
)
_DROP_CANDIDATES = Prepared(
    delete(table_of(TaskCandidate)).where(table_of(TaskCandidate).c.task_id == bindparam("task_id"))
)
_NOTES = table_of(Notification)
# A closed task's notifications ("New task: ...") are news no more: read, for everyone they went to.
_READ_NOTES = Prepared(
    update(_NOTES)
    .where(_NOTES.c.task_id == bindparam("closed_id"), _NOTES.c.read_at.is_(None))
    .values(read_at=bindparam("read_now"))
)


_JOBS = table_of(Job)
# A closed task's escalations are moot: cancelled now (a withdrawn vote's too), not left pending to
# fall due and be found pointless then. By instance (ix_jobs_instance), not the task alone. A running
# one is left to its worker, which holds the instance's lock and finds the task closed.
_CANCEL_ESCALATIONS = Prepared(
    update(_JOBS)
    .where(
        _JOBS.c.instance_id == bindparam("closed_in"),
        _JOBS.c.kind == ESCALATION,
        _JOBS.c.task_id == bindparam("closed_id"),
        _JOBS.c.status.in_([PENDING, QUEUED]),
    )
    .values(status=JOB_CANCELLED)
)


def _close(instance, task_id, status: str, now: datetime, actor: str | None) -> None:
    if fast_flush.writes_step_rows():
        pending_writes.defer_close(instance.id, task_id, status, now, actor)  # sent with the step's rows
    else:
        _CLOSE_TASK.execute({"task_id": task_id, "status": status, "now": now, "actor": actor})
        _DROP_CANDIDATES.execute({"task_id": task_id})
        _READ_NOTES.execute({"closed_id": task_id, "read_now": now})
        _CANCEL_ESCALATIONS.execute({"closed_in": instance.id, "closed_id": task_id})
    _forget_closed(task_id, status, now, actor)


def _forget_closed(task_id, status: str, now: datetime, actor: str | None) -> None:
    """Show the session's copy of the task (the completion response dumps it) what the UPDATE wrote,
    and drop its candidate rows if loaded, as the ORM's synchronize_session did."""
    task = db.session.identity_map.get(identity_key(UserTask, task_id))
    if task is None:
        return
    for name, value in (("status", status), ("completed_at", now), ("completed_by", actor)):
        set_committed_value(task, name, value)
    for candidate in task.__dict__.get("candidates", ()):
        db.session.expunge(candidate)
    if "candidates" in task.__dict__:
        set_committed_value(task, "candidates", [])


def _create_user_tasks(instance, new: list, elements: Mapping, sent: dict | None, now: datetime) -> list:
    """The rows of the step's new tasks; one incident for each whose people or schedule failed."""
    elements_of = [(ready, elements.get(ready.element_id, {})) for ready in new]
    with held(facts_of(instance)):
        planned = [(ready, el, *_task_fields(el, ready, instance)) for ready, el in elements_of]
    ghosts = assignees.ghost_problems(instance.tenant_id, [p[:3] for p in planned], sent)
    return [
        _create_user_task(instance, ready, fields, _problem(ready, error, ghosts.get(ready.task_id)), now)
        for ready, element, fields, error in planned
    ]


def _task_fields(element: dict, ready, instance) -> tuple[dict, str | None]:
    """The new task's fields, its expressions reading it as `execution`'s current activity."""
    with acting_on(Activity(ready.element_id, ready.name, ready.task_id)):
        return task_fields(element, ready.data, instance)


def _problem(ready, error: str | None, ghost: str | None) -> tuple[str, str] | None:
    """(kind, message) of the new task's incident: an expression that failed, else a ghost assignee."""
    if ghost is None:
        return ("expression", error) if error else None
    if error:
        return "expression", f"{error}; {ghost}"
    return "assignee", f"user task '{ready.name or ready.element_id}': {ghost}"


def _create_user_task(instance, ready, fields: dict, problem: tuple | None, now: datetime) -> UserTask:
    row = new_row(
        UserTask,
        id=ready.task_id,
        tenant_id=instance.tenant_id,
        instance_id=instance.id,
        definition_key=instance.definition_key,
        element_id=ready.element_id,
        name=ready.name or ready.element_id,
        created_at=now,
        status=OPEN,
        **fields,
    )
    if problem:
        row.incident_id = task_incidents.open_incident(instance, ready.task_id, ready.element_id, *problem).id
    row.candidates = _candidates(instance.tenant_id, fields)
    db.session.add(row)
    return row


def _candidates(tenant_id: str, fields: dict) -> list[TaskCandidate]:
    users = [TaskCandidate(kind="user", name=u, tenant_id=tenant_id) for u in fields["candidate_users"]]
    return users + [
        TaskCandidate(kind="group", name=g, tenant_id=tenant_id) for g in fields["candidate_groups"]
    ]


# What a new version of the model redefines on a task that stays open; who holds it, its schedule
# and priority are the task's own by now (claimed, delegated, set when it was created).
_REDEFINED = ("candidate_users", "candidate_groups", "offered_to_all", "form", "documentation")


def redefine_user_task(instance: ProcessInstance, row: UserTask, ready, element: dict) -> None:
    """Give an open task the name, form and candidates its element defines, built as a new task's
    are (an instance moved to another version of its process). The caller commits."""
    with held(facts_of(instance)):
        fields, _ = _task_fields(element, ready, instance)
    row.element_id, row.name = ready.element_id, ready.name or ready.element_id  # (a mapped element's id)
    for name in _REDEFINED:
        setattr(row, name, fields[name])
    row.candidates = _candidates(instance.tenant_id, fields)
