"""Incidents: failures that need a person. Listing, retrying the failed job, or resolving by hand."""

from __future__ import annotations

from sqlalchemy import func, select

from app.engine.errors import NotReady
from app.errors import Conflict, NotFound
from app.extensions import db
from app.models import Incident, Job, User
from app.models.base import utcnow
from app.models.instances import ENDED, FAILED, SUSPENDED, WAITING
from app.models.instances import INCIDENT_OPEN as OPEN
from app.models.instances import INCIDENT_RESOLVED as RESOLVED
from app.models.jobs import FAILED as JOB_FAILED
from app.models.jobs import QUEUED, SERVICE
from app.models.tasks import COMPLETED, UserTask
from app.services import audit
from app.services.dispatch import send_after_commit
from app.services.instances import check_variables, commit_step, load_runner, lock_instance
from app.services.jobs import lease
from app.services.stepping import persist_step


def list_incidents(tenant_id: str, instance_id=None, status=None, limit: int = 50, offset: int = 0):
    query = select(Incident).where(Incident.tenant_id == tenant_id)
    if instance_id:
        query = query.where(Incident.instance_id == instance_id)
    if status:
        query = query.where(Incident.status == status)
    total = db.session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    items = db.session.execute(query.order_by(Incident.created_at.desc()).limit(limit).offset(offset))
    return items.scalars().all(), total


def _open_incident(tenant_id: str, incident_id) -> Incident:
    incident = db.session.get(Incident, incident_id)
    if incident is None or incident.tenant_id != tenant_id:
        raise NotFound(f"incident {incident_id} does not exist")
    if incident.status != OPEN:
        raise Conflict(f"the incident is already {incident.status}")
    return incident


def retry_incident(actor: User, incident_id, variables: dict | None = None) -> Incident:
    """Retry what failed: a service task's job with fresh attempts, or a failed script, expression or
    decision step run again (with corrected `variables` when given). The incident is resolved by it;
    a step that fails again opens a new one.
    """
    incident = _open_incident(actor.tenant_id, incident_id)
    instance = lock_instance(actor.tenant_id, incident.instance_id)
    job = _failed_job(incident)
    if job is None and instance.status == SUSPENDED:
        raise _suspended(instance, incident)
    audit.record(
        actor, "incident.retry", instance, after={"incident": str(incident.id), "variables": variables}
    )
    if job is None:
        return _retry_step(actor, instance, incident, variables)
    if variables:
        _merge_into_job(instance, job, check_variables(variables))
    now = utcnow()
    job.status, job.attempts, job.due_at, job.locked_until = QUEUED, 0, now, now + lease()
    _close(incident, actor)
    _reopen(instance)
    send_after_commit(job.id)
    commit_step()
    return incident


def _suspended(instance, incident: Incident) -> Conflict:
    # A failed step is re-run by the retry itself, and nothing runs in a suspended instance (its
    # service jobs wait): running it would also have left the instance running, its suspension lost.
    return Conflict(
        f"the instance is suspended: resume it (POST /instances/{instance.id}/resume), then retry "
        f"'{incident.element_id}'",
        {"instance_id": str(instance.id), "element_id": incident.element_id},
    )


def _merge_into_job(instance, job: Job, variables: dict) -> None:
    """Corrected variables reach the handler's next attempt and the instance, as they reach a
    retried script step (they were only audited, and the handler failed again on the old ones)."""
    runner, elements = load_runner(instance)
    try:
        job.payload = {**job.payload, "variables": runner.merge_into_service_task(job.task_id, variables)}
    except NotReady as exc:
        raise Conflict(f"{exc}: this incident has nothing to retry; resolve it")
    status = instance.status
    persist_step(instance, runner.result(), elements)
    instance.status = status  # failed until the incident is closed (_reopen below)


def _failed_job(incident: Incident) -> Job | None:
    if incident.task_id is None:
        return None
    return db.session.execute(
        select(Job).where(
            Job.instance_id == incident.instance_id,
            Job.task_id == incident.task_id,
            Job.kind == SERVICE,
            Job.status == JOB_FAILED,
        )
    ).scalar_one_or_none()


def _retry_step(actor: User, instance, incident: Incident, variables: dict | None) -> Incident:
    """Run the failed step again. If it fails again, the retry is kept (this incident resolved, a new
    one opened for the new failure, corrected variables kept) and the answer is a 409 naming it."""
    runner, elements = load_runner(instance)
    variables = check_variables(variables)
    try:
        runner.retry(incident.task_id, variables, incident.element_id, _completed_task(incident))
    except NotReady as exc:
        raise Conflict(f"{exc}: this incident has nothing to retry; resolve it")
    _close(incident, actor)
    result = runner.result()
    persist_step(instance, result, elements, actor=actor.username, sent=variables)
    commit_step()
    if result.error is not None:
        raise _failed_again(instance, result.error)
    return incident


def _completed_task(incident: Incident) -> bool:
    """Whether the incident's task is a user task whose completion failed (its row is completed):
    retrying it completes it again, instead of waiting for its person."""
    if incident.task_id is None:
        return False
    task = db.session.get(UserTask, incident.task_id)
    return task is not None and task.status == COMPLETED


def _failed_again(instance, error) -> Conflict:
    new = db.session.execute(
        select(Incident.id)
        .where(Incident.instance_id == instance.id, Incident.status == OPEN)
        .order_by(Incident.created_at.desc())
    ).first()
    new_id = str(new[0]) if new else None
    return Conflict(
        f"the retry failed at '{error.element_id}': {error.message}. This incident is resolved; "
        f"the new failure is incident {new_id}",
        {"incident_id": new_id, "element_id": error.element_id},
    )


def resolve_incident(actor: User, incident_id) -> Incident:
    """Mark an incident handled by hand (nothing is re-run).

    Only where nothing waits on it (e.g. a user task made without the assignee its expression
    failed to give): an element that failed stays failed, so resolving that incident would leave
    the instance waiting for nothing. As Camunda 7 refuses to resolve a failed job's incident,
    that is a 409 saying to retry or cancel.
    """
    incident = _open_incident(actor.tenant_id, incident_id)
    instance = lock_instance(actor.tenant_id, incident.instance_id)
    if instance.status not in ENDED and _blocks(instance, incident):
        raise Conflict(
            f"'{incident.element_id}' failed and the instance cannot go on past it: resolving the "
            f"incident would leave the instance stuck. Retry it (POST /incidents/{incident.id}/retry, with "
            "corrected variables if needed) or cancel the instance",
            {"element_id": incident.element_id, "instance_id": str(instance.id)},
        )
    audit.record(actor, "incident.resolve", instance, after={"incident": str(incident.id)})
    _close(incident, actor)
    _reopen(instance)
    commit_step()
    return incident


def _blocks(instance, incident: Incident) -> bool:
    """Whether the instance is held at the incident's element: its job or its task failed."""
    if _failed_job(incident) is not None:
        return True
    runner, _ = load_runner(instance)
    return runner.failed_task(incident.task_id, incident.element_id) is not None


def _close(incident: Incident, actor: User) -> None:
    incident.status, incident.resolved_at, incident.resolved_by = RESOLVED, utcnow(), actor.username
    db.session.flush()


def _reopen(instance) -> None:
    others = db.session.execute(
        select(Incident.id).where(Incident.instance_id == instance.id, Incident.status == OPEN)
    ).first()
    if instance.status == FAILED and others is None:
        instance.status = WAITING
