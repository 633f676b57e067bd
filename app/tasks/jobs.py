"""The job tasks: run one job by id, and the sweep that claims due jobs."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from celery import current_app as celery_app
from celery import shared_task

from app.models.base import utcnow


def send_job(job_id: str, eta: datetime | None = None) -> None:
    """Queue `run_job(job_id)`, held by the worker until `eta` when that is in the future."""
    options = {"eta": eta} if eta is not None and eta > utcnow() else {}
    celery_app.send_task("baton.run_job", args=[job_id], **options)


@shared_task(name="baton.run_job", acks_late=True, reject_on_worker_lost=True)
def run_job(job_id: str) -> str:
    """Run one service call, timer or start timer; a repeated delivery is a no-op."""
    from app.services.jobs import run_job as run

    return run(UUID(job_id))


@shared_task(name="baton.sweep")
def sweep() -> int:
    """Claim due jobs (timers, retries, expired leases) and queue each one."""
    from app.services.jobs import claim_due_jobs

    claimed = claim_due_jobs()
    for job_id, due in claimed:
        send_job(job_id, due)
    return len(claimed)
