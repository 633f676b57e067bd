"""Incidents of a step: opened when something at an element needs a person, and ended with what
they are about. An incident about a user task (its assignee or due date failed, its assignee is no
user) is resolved when the task is completed or withdrawn, and every open incident of an instance
when it is cancelled or ends after a failure. Each gets its reason and an audit entry, in the
step's transaction.

A completion costs nothing more unless its task has an incident: the task row names it (incident_id).
A failure that happens while completing (an escalation's auto-approval whose output mapping failed)
opens its incident in that same step, after this runs: it stays open for its retry.
"""

from __future__ import annotations

from uuid import uuid4

from sqlalchemy import select
from sqlalchemy.orm.util import identity_key

from app.extensions import db
from app.models import Incident, ProcessInstance
from app.models.base import utcnow
from app.models.instances import CANCELLED, COMPLETED, FAILED
from app.models.instances import INCIDENT_OPEN as OPEN
from app.models.instances import INCIDENT_RESOLVED as RESOLVED
from app.models.tasks import UserTask
from app.services import audit


def open_incident(instance: ProcessInstance, task_id, element_id, kind: str, message: str) -> Incident:
    """Record that something at `element_id` failed and needs a person. The caller commits."""
    incident = Incident(
        id=uuid4(),  # now: a new task's row names it before anything is flushed
        tenant_id=instance.tenant_id,
        instance_id=instance.id,
        task_id=task_id,
        element_id=element_id,
        kind=kind,
        message=message,
    )
    db.session.add(incident)
    return incident


def resolve_closed(
    instance: ProcessInstance, before: str, completed_id, withdrawn: set, actor: str | None
) -> None:
    """Resolve the open incidents the step's closes leave with nothing to be about. The caller commits."""
    if instance.status == CANCELLED or (instance.status == COMPLETED and before == FAILED):
        reason = f"the instance was {instance.status}"
        _resolve(instance, _open_of(instance, None), lambda _: reason, actor)
        return
    if completed_id is not None:
        _resolve_completed(instance, completed_id, actor)
    if withdrawn:
        found = _open_of(instance, withdrawn)
        _resolve(instance, found, lambda i: f"its task '{i.element_id}' was withdrawn", actor)


def resolve_interrupted(instance: ProcessInstance, task_ids: set) -> None:
    """Resolve the incidents of failed service tasks the step cancelled. The caller commits."""
    found = [i for i in _open_of(instance, task_ids) if i.status == OPEN]  # (not one resolved above)
    _resolve(instance, found, lambda i: f"its task '{i.element_id}' was cancelled", None)


def _resolve_completed(instance, task_id, actor: str | None) -> None:
    task = db.session.identity_map.get(identity_key(UserTask, task_id))
    if task is None:  # (not loaded by this step: its incidents are looked for)
        found = _open_of(instance, {task_id})
    else:
        incident = db.session.get(Incident, task.incident_id) if task.incident_id else None
        found = [incident] if incident is not None and incident.status == OPEN else []
    by = f" by {actor}" if actor else ""
    _resolve(instance, found, lambda i: f"its task '{_name(task, i)}' was completed{by}", actor)


def _name(task: UserTask | None, incident: Incident) -> str | None:
    return (task.name or task.element_id) if task is not None else incident.element_id


def _open_of(instance, task_ids: set | None) -> list[Incident]:
    query = select(Incident).where(Incident.instance_id == instance.id, Incident.status == OPEN)
    if task_ids is not None:
        query = query.where(Incident.task_id.in_(task_ids))
    return list(db.session.execute(query).scalars())


def _resolve(instance, incidents: list[Incident], reason_of, actor: str | None) -> None:
    now = utcnow()
    for incident in incidents:
        reason = reason_of(incident)
        incident.status, incident.resolved_at, incident.resolved_by = RESOLVED, now, actor or "system"
        incident.resolution = reason
        after = {"incident": str(incident.id), "task_id": incident.task_id and str(incident.task_id)}
        audit.record(actor, "incident.resolve", instance, after=after, reason=reason)
