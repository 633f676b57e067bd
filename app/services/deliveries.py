"""Email and webhook deliveries for operators: the dead letters of notifications, and a retry.

A delivery is a row of the jobs outbox (kind "notification", services/notify_channels.py). One
that failed for good (its attempts used up, or a configuration retrying cannot mend) has status
"failed" and its last error; nothing else showed it. Retrying gives it a fresh round of attempts,
after commit, as an incident's retry does for a service task.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from sqlalchemy import func, select

from app.errors import Conflict, NotFound
from app.extensions import db
from app.models import Job, User
from app.models.base import utcnow
from app.models.jobs import FAILED, QUEUED
from app.services import audit
from app.services.dispatch import send_after_commit
from app.services.jobs import lease
from app.services.notifications import NOTIFICATION


def list_deliveries(tenant_id: str, status=None, instance_id=None, limit: int = 50, offset: int = 0):
    """A tenant's deliveries, newest first, by status and instance; with their total."""
    query = select(Job).where(Job.tenant_id == tenant_id, Job.kind == NOTIFICATION)
    if status:
        query = query.where(Job.status == status)
    if instance_id:  # (a delivery names its instance in its payload)
        query = query.where(Job.payload["instance_id"].as_string() == str(instance_id))
    total = db.session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    page = query.order_by(Job.created_at.desc()).limit(limit).offset(offset)
    return list(db.session.execute(page).scalars()), total


def retry_delivery(actor: User, delivery_id) -> Job:
    """Give a failed delivery a fresh round of attempts, sent after commit. 409 unless it failed."""
    job = db.session.get(Job, delivery_id, with_for_update=True)
    if job is None or job.tenant_id != actor.tenant_id or job.kind != NOTIFICATION:
        raise NotFound(f"delivery {delivery_id} does not exist")
    if job.status != FAILED:
        raise Conflict(f"only a failed delivery is retried; this one is {job.status}")
    audit.record(actor, "delivery.retry", ("delivery", job.id), before={"last_error": job.last_error})
    now = utcnow()
    job.status, job.attempts, job.due_at, job.locked_until = QUEUED, 0, now, now + lease()
    send_after_commit(job.id)
    db.session.commit()
    return job


def describe(job: Job) -> dict:
    """What an operator is shown of a delivery: never a body, a secret's name or a full URL."""
    payload = job.payload or {}
    url, event = payload.get("url"), payload.get("json") or {}  # (a webhook's event; an email has none)
    return {
        "id": job.id,
        "channel": job.handler,
        "status": job.status,
        "attempts": job.attempts,
        "max_attempts": job.max_attempts,
        "last_error": job.last_error,
        "instance_id": payload.get("instance_id"),
        "event": event.get("event"),
        "subject": payload.get("subject") or event.get("subject"),
        "recipient": payload.get("to") or (urlsplit(url).netloc if url else None),
        "created_at": job.created_at,
        "due_at": job.due_at,
    }
