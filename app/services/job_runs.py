"""Running one claimed job: a service task's handler call and its outcome, or a timer's firing.

Each run locks the instance, then the job (the lock order of app.services.jobs), re-reads the row
and writes the job's outcome in the transaction of the step it causes: a second delivery finds the
row done (or gone) and does nothing.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import NamedTuple

from sqlalchemy import select

from app.engine.errors import NotReady
from app.engine.execution_facts import Activity, ExecutionFacts, acting_on, held
from app.engine.rest_connector import HTTP_JSON
from app.errors import Conflict, NotFound
from app.extensions import db
from app.handlers import BpmnError, JobError, call_handler, get_handler
from app.models import Job, ProcessInstance
from app.models.base import utcnow
from app.models.instances import ENDED, FAILED, SUSPENDED
from app.models.jobs import CANCELLED, DONE, PENDING, RUNNING, SERVICE, START_TIMER, TIMER
from app.models.jobs import FAILED as JOB_FAILED
from app.services import backoff
from app.services import handler_results as results
from app.services.instance_facts import facts_of
from app.services.instances import commit_step, load_runner, lock_instance
from app.services.jobs import (
    ATTEMPT_BY,
    JOB_RUNNERS,
    POSTPONE,
    begun_by_another,
    lease,
    retryable,
    runnable,
)
from app.services.stepping import persist_step
from app.services.task_incidents import open_incident

log = logging.getLogger(__name__)


def run_job(job_id, delivery: str | None = None) -> str:
    """Run one claimed job (a Celery delivery, `delivery` its message's id); safe to call twice:
    returns what it did."""
    job = db.session.get(Job, job_id)
    if not runnable(job):
        db.session.rollback()
        return "skipped"
    if job.kind == SERVICE:
        return _run_service(job, delivery)
    if job.kind == TIMER:
        return _fire_timer(job)
    if job.kind == START_TIMER:
        from app.services.start_timers import fire_start_timer

        return fire_start_timer(job.id)
    if job.kind in JOB_RUNNERS:
        return JOB_RUNNERS[job.kind](job, delivery)
    return "skipped"


def locked_job(job_id) -> Job | None:
    job = db.session.execute(
        select(Job).where(Job.id == job_id).with_for_update().execution_options(populate_existing=True)
    ).scalar_one_or_none()
    return job if runnable(job) else None


def _lock_for_step(job: Job) -> tuple[ProcessInstance | None, Job | None]:
    """Lock the instance, then the job; (None, None) when either is gone or finished."""
    job_id = job.id
    try:
        instance = lock_instance(job.tenant_id, job.instance_id)
    except NotFound:
        return None, None
    return instance, locked_job(job_id)


def _run_service(job: Job, delivery: str | None) -> str:
    instance = db.session.get(ProcessInstance, job.instance_id)
    if instance is not None and instance.status == SUSPENDED:
        return _postpone(job, counted=False)  # as Camunda suspends a suspended instance's jobs
    if "outcome" in job.payload:  # the handler returned while the instance was suspended
        return _record_outcome(job.id, results.kept_outcome(job.payload["outcome"]))
    locked = locked_job(job.id)  # two deliveries at once: the second sees the first's attempt
    if locked is None or locked.status == RUNNING:
        return _attempt_running(locked, delivery)
    job = locked
    job.status, job.attempts, job.locked_until = RUNNING, job.attempts + 1, utcnow() + lease()
    job.payload = {**job.payload, ATTEMPT_BY: delivery}
    job_id, call = job.id, _HandlerCall.of(job, instance)
    db.session.commit()  # the attempt is counted even if this worker dies inside the handler
    return _record_outcome(job_id, call.outcome(job_id))


def _attempt_running(job: Job | None, delivery: str | None) -> str:
    """An attempt began and has not come back. The message that began it, delivered again, means
    its worker was lost; another message leaves the attempt alone (jobs.begun_by_another)."""
    job_id = job.id if job is not None else None
    lost = job is not None and not begun_by_another(job, delivery)
    db.session.rollback()  # (the job's lock: the outcome takes the instance's first)
    return _record_outcome(job_id, ("fail", WorkerLost())) if lost else "skipped"


class WorkerLost(Exception):
    """An attempt whose worker died (its count was committed before the handler was called). A
    handler that kills its worker (out of memory, a crash) would otherwise be called for ever."""

    def __init__(self):
        super().__init__("the worker running the handler stopped (killed, out of memory or crashed)")


class _HandlerCall(NamedTuple):
    """What a service job's handler is called with, read before the attempt's commit."""

    name: str | None
    key: str | None
    variables: dict
    result_variable: str | None
    headers: dict  # zeebe:taskHeaders, as written in the model
    by_expression: bool
    connector: dict | None  # a camunda:connector's parameters: its handler is called with them
    tenant_id: str  # whose secrets a connector's `{{secrets.NAME}}` reads
    facts: ExecutionFacts | None = None  # what `execution` tells a connector's parameters
    activity: Activity | None = None

    @classmethod
    def of(cls, job: Job, instance: ProcessInstance | None = None) -> _HandlerCall:
        payload = job.payload
        variables, headers = dict(payload.get("variables") or {}), dict(payload.get("headers") or {})
        expression = bool(payload.get("handler_expression"))
        return cls(
            job.handler,
            job.idempotency_key,
            variables,
            payload.get("result_variable"),
            headers,
            expression,
            payload.get("connector"),
            job.tenant_id,
            facts_of(instance) if instance is not None else None,
            Activity(job.element_id, None, job.task_id),
        )

    def outcome(self, job_id) -> tuple:
        """("ok", outputs), ("error", BpmnError) or ("fail", exception): what the handler did."""
        name = self.name
        try:
            if self.by_expression and name:  # (always named: the expression is the handler)
                name = results.topic(name, self.variables)
            handler = get_handler(name)
            if name == HTTP_JSON:  # Camunda 8's REST connector: its task headers say what it sets
                args = (self.variables, self.key, self.headers, self.tenant_id)
                return ("ok", results.rest_connector_outputs(name, handler, *args))
            if self.connector:
                with held(self.facts), acting_on(self.activity):  # (its parameters may read `execution`)
                    given = (self.connector, self.variables, self.key, self.tenant_id)
                    return ("ok", results.connector_outputs(name, handler, *given))
            outputs = results.outputs_of(name, call_handler(handler, self.variables, self.key, self.headers))
            return ("ok", {self.result_variable: outputs} if self.result_variable else outputs)
        except BpmnError as exc:
            return results.error_outcome(name, exc) if exc.variables else ("error", exc)
        except Exception as exc:  # a handler failure of any kind is retried, then becomes an incident
            log.warning("service job %s (%s) failed: %r", job_id, name, exc)
            return ("fail", exc)


def _record_outcome(job_id, outcome: tuple) -> str:
    job = db.session.get(Job, job_id)
    instance, job = _lock_for_step(job) if job is not None else (None, None)
    if job is None:
        db.session.rollback()
        return "skipped"
    if instance is None or instance.status in ENDED:
        job.status = CANCELLED
        db.session.commit()
        return "cancelled"
    if outcome[0] == "fail":
        return _failed(instance, job, outcome[1], retry=retryable(outcome[1]))
    if instance.status == SUSPENDED:
        job.payload = {**job.payload, "outcome": results.keepable(outcome)}  # applied on resume, not redone
        return _postpone(job)
    return _step_service(instance, job, outcome)


def _step_service(instance, job: Job, outcome: tuple) -> str:
    runner, elements = load_runner(instance)
    try:
        if outcome[0] == "ok":
            runner.complete_service_task(job.task_id, outcome[1])
        elif not runner.throw_bpmn_error(job.task_id, outcome[1]):
            return _failed(instance, job, outcome[1], retry=False, kind="bpmn_error")
    except NotReady:
        job.status = CANCELLED
        db.session.commit()
        return "cancelled"
    job.status, job.locked_until = DONE, None
    persist_step(instance, runner.result(), elements)
    commit_step()
    return "done"


def _postpone(job: Job, counted: bool = True) -> str:
    job.status, job.due_at, job.locked_until = PENDING, utcnow() + POSTPONE, None
    job.attempts = max(0, job.attempts - 1) if counted else job.attempts
    db.session.commit()
    return "postponed"


def _failed(instance, job: Job, exc: Exception, retry: bool = True, kind: str = "service") -> str:
    job.last_error = f"{type(exc).__name__}: {exc}"[:4000]
    if isinstance(exc, JobError) and exc.retries is not None:  # the handler says how many are left
        job.max_attempts = job.attempts + max(0, exc.retries)
    if retry and job.attempts < job.max_attempts:
        delay = backoff.delay_seconds(job.attempts, job.retry_cycle)
        if isinstance(exc, JobError) and exc.backoff_seconds is not None:
            delay = exc.backoff_seconds
        job.status, job.due_at, job.locked_until = PENDING, utcnow() + timedelta(seconds=delay), None
        db.session.commit()
        return "retrying"
    job.status, job.locked_until = JOB_FAILED, None
    message = f"{job.handler or 'service task'} failed after {job.attempts} attempt(s): {job.last_error}"
    open_incident(instance, job.task_id, job.element_id, kind, message)
    if instance.status != SUSPENDED:  # (a suspended one stays so: its resume finds the incident)
        instance.status = FAILED  # the instance waits for a person: retry or resolve the incident
    from app.services.notifications import INSTANCE_FAILED, notify_instance

    notify_instance(INSTANCE_FAILED, instance)
    commit_step()
    return "incident"


def _fire_timer(claimed: Job) -> str:
    instance, job = _lock_for_step(claimed)
    if job is None:
        db.session.rollback()
        return "skipped"
    if instance is None or instance.status in ENDED:
        db.session.delete(job)
        db.session.commit()
        return "cancelled"
    if instance.status == SUSPENDED:
        job.status, job.due_at, job.locked_until = PENDING, utcnow() + POSTPONE, None
        db.session.commit()
        return "postponed"
    try:
        runner, elements = load_runner(instance)
    except Conflict:
        db.session.delete(job)
        db.session.commit()
        return "cancelled"
    task_id = job.task_id
    db.session.delete(job)  # a cycle's next period gets a fresh row from the step below
    db.session.flush()
    if runner.fire_timer(task_id):
        persist_step(instance, runner.result(), elements)
    commit_step()
    return "fired"
