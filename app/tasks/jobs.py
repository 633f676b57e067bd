"""The job tasks: run one job by id, fire a batch of timers, and the sweep that claims due jobs."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from celery import shared_task
from flask import current_app

from app.models.base import utcnow
from app.tasks.queues import DEFAULT_QUEUE, HANDLER_KINDS, HANDLERS_QUEUE

SWEEP_ROUNDS = 10  # a sweep claims up to this many times its limit before leaving the rest to the next


def _send(name: str, args: list, eta: datetime | None, queue: str = DEFAULT_QUEUE) -> None:
    # The Celery app bound to this Flask app, not Celery's process-wide default: that is whichever
    # app was built last, which in a process holding two apps (the tests) may be the other broker.
    options = {"eta": eta} if eta is not None and eta > utcnow() else {}
    current_app.extensions["celery"].send_task(name, args=args, queue=queue, **options)


def send_job(job_id: str, eta: datetime | None = None, queue: str = DEFAULT_QUEUE) -> None:
    """Queue `run_job(job_id)` on `queue` (HANDLERS_QUEUE for a handler call or a delivery), held
    by the worker until `eta` when that is in the future."""
    _send("baton.run_job", [job_id], eta, queue)


def send_timers(job_ids: list[str], eta: datetime | None = None) -> None:
    """Queue `fire_timers(job_ids)`, held by the worker until `eta` when that is in the future."""
    _send("baton.fire_timers", [job_ids], eta)


@shared_task(name="baton.run_job", bind=True, acks_late=True, reject_on_worker_lost=True)
def run_job(self, job_id: str) -> str:
    """Run one service call, timer or start timer; a repeated delivery is a no-op."""
    from app.services.job_runs import run_job as run

    return run(UUID(job_id), self.request.id)  # (the message's id: redelivered, it is the same)


@shared_task(name="baton.fire_timers", acks_late=True, reject_on_worker_lost=True)
def fire_timers(job_ids: list[str]) -> dict:
    """Fire a batch of claimed timers in one transaction; a repeated delivery fires none twice."""
    from app.services.timer_batches import fire_timers as fire

    return fire(job_ids)


@shared_task(name="baton.sweep")
def sweep() -> int:
    """Claim due jobs (timers, retries, expired leases): timers go in batches, the rest one by one."""
    from app.services.jobs import claim_due_jobs
    from app.services.timer_batches import batches

    total, limit = 0, 1000
    for _ in range(SWEEP_ROUNDS):
        claimed = claim_due_jobs(limit)
        timers = [(job_id, due) for job_id, due, kind in claimed if kind == "timer"]
        for job_ids, eta in batches(timers):
            send_timers(job_ids, eta)
        for job_id, due, kind in claimed:
            if kind != "timer":
                send_job(job_id, due, HANDLERS_QUEUE if kind in HANDLER_KINDS else DEFAULT_QUEUE)
        total += len(claimed)
        if len(claimed) < limit:
            break
    return total
