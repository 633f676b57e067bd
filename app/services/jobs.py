"""The outbox: service-task calls and timers as rows, written with the step that leaves them
waiting and claimed by the sweep; app.services.job_runs runs each claimed one.

Lock order everywhere is instance row, then job row, so a web request stepping an instance and a
worker firing its timer never deadlock. Exactly once: a job's outcome is written in the same
transaction as the step it causes, after re-reading the row under its lock; a second delivery
finds the row done (or gone) and does nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import TypeGuard

from flask import current_app
from sqlalchemy import delete, inspect, or_, select, update

from app.engine.reports import StepResult
from app.engine.timers import uses_jobs
from app.extensions import db
from app.models import Job, ProcessInstance
from app.models.base import as_utc, utcnow
from app.models.instances import FAILED, WAITING
from app.models.jobs import CANCELLED, LIVE, PENDING, QUEUED, RUNNING, SERVICE, TIMER
from app.models.jobs import FAILED as JOB_FAILED
from app.services import backoff, task_incidents
from app.services.bundles import spec_fact
from app.services.dispatch import send_after_commit
from app.services.stepping import after_step

POSTPONE = timedelta(seconds=5)  # a suspended instance's due work is looked at again this much later
JOB_RUNNERS: dict = {}  # other job kinds -> run(job, delivery): notification deliveries, escalations
ATTEMPT_BY = "attempt_by"  # in a job's payload: the Celery message that began its running attempt
_KNOWN = "baton_known_jobs"  # session.info key: instance id -> its job rows loaded by a timer batch


def lease() -> timedelta:
    return timedelta(seconds=current_app.config.get("BATON_JOB_LEASE_SECONDS", 300))


def runnable(job: Job | None) -> TypeGuard[Job]:
    """Whether a delivery may run `job` now: live, and not a pending row due later.

    A pending row due later waits out a retry's backoff, a postponement or a start timer's next
    period; the sweep claims it when it falls due. A message that finds it so is a duplicate (a
    worker lost after its commit, before its ack, gets its message again) or a stale one, and
    running it would retry before the backoff, burn an attempt or start a timer's instance early.
    """
    if job is None or job.status not in LIVE:
        return False
    return job.status != PENDING or as_utc(job.due_at) <= utcnow()


def retryable(exc: BaseException) -> bool:
    """Whether a failed attempt is worth another: not when its exception's class says
    `retryable = False` (the model or the configuration must change first)."""
    return getattr(exc, "retryable", True) is not False


def begun_by_another(job: Job, delivery: str | None) -> bool:
    """Whether `job` is running an attempt another message began: a job queued while the workers
    were down gets the message sent at its commit and the sweep's (its lease ran out), and the
    second must not repeat the first's attempt. Only the message that began it comes again (the
    broker gives a message back when its worker died), and it finds the attempt its own."""
    return job.status == RUNNING and (delivery is None or job.payload.get(ATTEMPT_BY) != delivery)


# --- writing jobs from a step (same transaction) ---------------------------------------------------
@after_step
def sync_jobs(instance: ProcessInstance, result: StepResult) -> None:
    """Make the instance's job rows match what its step left waiting: service calls and timers."""
    waits = result.service_tasks or result.waiting_timers
    if not waits and not spec_fact(instance.definition_id, uses_jobs):
        return  # nothing waits and nothing could have: no query
    existing = {(r.kind, r.task_id): r for r in _jobs_of(instance)}
    _sync_services(instance, result, existing)
    _sync_timers(instance, result, existing)


def known_jobs(by_instance: dict) -> None:
    """Hand `sync_jobs` the timer and service rows of these instances, already loaded (and locked)
    in this transaction, so stepping each of them does not query its jobs again (once each)."""
    db.session.info.setdefault(_KNOWN, {}).update(by_instance)


def forget_known_jobs() -> None:
    db.session.info.pop(_KNOWN, None)


def delete_known_job(job: Job) -> None:
    """Delete a job a timer batch handed over, and take it out of its instance's known rows, so
    `sync_jobs` need not test each row against every deletion of the batch still pending."""
    rows = db.session.info.get(_KNOWN, {}).get(job.instance_id)
    if rows is not None and job in rows:
        rows.remove(job)
    db.session.delete(job)


def _jobs_of(instance: ProcessInstance) -> list[Job]:
    rows = db.session.info.get(_KNOWN, {}).pop(instance.id, None)
    if rows is None:
        return list(
            db.session.execute(
                select(Job).where(Job.instance_id == instance.id, Job.kind.in_((SERVICE, TIMER)))
            ).scalars()
        )
    # Known rows are used at the instance's first step of the batch: its fired job was taken out
    # (delete_known_job); rows an earlier step deleted were flushed before this one (deleted).
    return [r for r in rows if not inspect(r).deleted]


def _sync_services(instance, result: StepResult, existing: dict) -> None:
    waiting = {s.task_id for s in result.service_tasks}
    services = [row for (kind, _), row in existing.items() if kind == SERVICE]
    for row in services:
        if row.task_id not in waiting and row.status in LIVE:
            row.status = CANCELLED  # interrupted (boundary timer, cancel): the worker will skip it
    _sync_failed(instance, waiting, services)
    elements: Mapping = {}
    if result.service_tasks:  # a called process's service task is found among the step's elements
        elements = result.elements if result.elements is not None else instance_elements(instance)
    now = utcnow()
    for call in result.service_tasks:
        if (SERVICE, call.task_id) in existing:
            continue
        element = elements.get(call.element_id, {})
        job = Job(
            tenant_id=instance.tenant_id,
            kind=SERVICE,
            instance_id=instance.id,
            task_id=call.task_id,
            element_id=call.element_id,
            handler=element.get("handler"),
            payload={
                "variables": call.data,
                "result_variable": element.get("result_variable"),
                **({"headers": element["headers"]} if element.get("headers") else {}),
                **({"handler_expression": True} if element.get("handler_expression") else {}),
                **({"connector": element["connector"]} if element.get("connector") else {}),
            },
            status=QUEUED,
            due_at=now,
            locked_until=now + lease(),
            max_attempts=backoff.attempts_for(element),
            retry_cycle=element.get("retry_cycle"),
            idempotency_key=str(call.task_id),  # one task execution = one key, across retries
        )
        db.session.add(job)
        db.session.flush()
        send_after_commit(job.id)


def _sync_failed(instance, waiting: set, services: list[Job]) -> None:
    """A service task whose job failed into an incident holds the instance failed while it waits
    (a step on another branch does not make it 'waiting'); one the step interrupted (a boundary
    event, a terminate end) has its job cancelled and its incident resolved, as Camunda 7 deletes a
    cancelled activity's job and incident (it was left open, neither retryable nor resolvable)."""
    failed = [row for row in services if row.status == JOB_FAILED]
    gone = {row.task_id for row in failed if row.task_id not in waiting}
    for row in failed:
        if row.task_id in gone:
            row.status = CANCELLED
    if gone:
        task_incidents.resolve_interrupted(instance, gone)
    if instance.status == WAITING and len(gone) < len(failed):
        instance.status = FAILED


def _sync_timers(instance, result: StepResult, existing: dict) -> None:
    waiting = {t.task_id: t for t in result.waiting_timers}
    for (kind, task_id), row in existing.items():
        if kind == TIMER and task_id not in waiting:
            db.session.delete(row)
    for task_id, timer in waiting.items():
        due = timer.due or utcnow()
        row = existing.get((TIMER, task_id))
        if row is None:
            db.session.add(
                Job(
                    tenant_id=instance.tenant_id,
                    kind=TIMER,
                    instance_id=instance.id,
                    task_id=task_id,
                    element_id=timer.element_id,
                    payload={"timer": timer.kind},
                    status=PENDING,
                    due_at=due,
                )
            )
        else:
            row.element_id = timer.element_id  # (an instance migrated with a mapping moved it)
            if as_utc(row.due_at) != due:
                row.due_at, row.status, row.locked_until = due, PENDING, None


def instance_elements(instance: ProcessInstance) -> Mapping:
    from app.services.bundles import definition_facts

    facts = definition_facts(instance.definition_id)
    return facts.meta.get("elements", {}) if facts is not None else {}


# --- the sweep ---------------------------------------------------------------------------------------
def claim_due_jobs(limit: int = 1000, lookahead: float = 1.0) -> list[tuple[str, datetime, str]]:
    """Claim live jobs due within `lookahead` seconds whose lease is free; returns (id, due, kind).

    On PostgreSQL, SKIP LOCKED lets several sweeps run at once without claiming a row twice.
    """
    now = utcnow()
    due = (
        select(Job.id)
        .where(
            Job.status.in_(LIVE),
            Job.due_at <= now + timedelta(seconds=lookahead),
            or_(Job.locked_until.is_(None), Job.locked_until < now),
        )
        .order_by(Job.due_at)
        .limit(limit)
    )
    if db.engine.dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    # One statement claims and returns them: no second round trip carrying a thousand ids.
    rows = db.session.execute(
        update(Job)
        .where(Job.id.in_(due.scalar_subquery()))
        .values(status=QUEUED, locked_until=now + lease() + timedelta(seconds=lookahead))
        .returning(Job.id, Job.due_at, Job.kind)
        .execution_options(synchronize_session=False)
    ).all()
    db.session.commit()
    return [(str(r.id), as_utc(r.due_at), r.kind) for r in rows]


def cancel_jobs_of(instance_id) -> None:
    db.session.execute(delete(Job).where(Job.instance_id == instance_id, Job.status.in_(LIVE)))
