"""Firing due timers in batches: one Celery delivery and one transaction for many timers.

A timer's fire is a short engine step; run one per Celery message and transaction, most of its
cost is the message, the round trips and re-reading the same definition and user after every
commit. A batch locks its instances (SKIP LOCKED: an instance a request is stepping right now is
left to the one-by-one path), then their job rows, in the same order as everywhere else
(instance, then job), fires each timer and commits once.

Exactly once holds as for one job: each job row is re-read under its lock and fired only while it
is live; the fire deletes it in the step's transaction, so a redelivered batch finds nothing to do.
"""

from __future__ import annotations

import logging
from datetime import datetime
from uuid import UUID

from sqlalchemy import inspect, select

from app.errors import Conflict
from app.extensions import db
from app.models import InstanceState, Job, ProcessInstance
from app.models.base import utcnow
from app.models.instances import ENDED, SUSPENDED
from app.models.jobs import LIVE, PENDING, TIMER
from app.services.instances import commit_step, load_runner
from app.services.stepping import persist_step

log = logging.getLogger(__name__)


def fire_timers(job_ids: list) -> dict[str, int]:
    """Fire the timer jobs `job_ids` (claimed by the sweep) in one transaction; safe to run twice.

    Returns how many jobs ended which way. A job whose instance is locked by someone else, or a
    batch that fails as a whole, falls back to `run_job` for each job, one transaction each.
    """
    ids = [UUID(str(i)) for i in job_ids]
    counts: dict[str, int] = {}
    try:
        busy = _fire_batch(ids, counts)
    except Exception:  # one bad instance must not hold back the others: redo them one by one
        log.exception("timer batch of %d failed; firing its jobs one by one", len(ids))
        db.session.rollback()
        counts, busy = {}, ids
    for job_id in busy:
        _count(counts, _fire_one(job_id))
    return counts


def _fire_one(job_id) -> str:
    from app.services.jobs import run_job

    try:
        return run_job(job_id)
    except Exception:  # its lease runs out and the sweep claims it again
        log.exception("timer job %s failed", job_id)
        db.session.rollback()
        return "failed"


def _fire_batch(ids: list[UUID], counts: dict[str, int]) -> list[UUID]:
    """Fire what can be locked now; returns the ids left to the one-by-one path."""
    owners = dict(
        db.session.execute(
            select(Job.id, Job.instance_id).where(Job.id.in_(ids), Job.kind == TIMER, Job.status.in_(LIVE))
        ).all()
    )
    instances = _lock_instances(set(owners.values()))
    jobs = _lock_jobs([j for j, i in owners.items() if i in instances])
    states = _states(list(instances))
    for job in jobs:
        _count(counts, _fire(instances[job.instance_id], job, states))
    commit_step()
    busy = [j for j, i in owners.items() if i not in instances]
    _count(counts, "skipped", len(ids) - len(owners))
    return busy


def _lock_instances(instance_ids: set) -> dict:
    if not instance_ids:
        return {}
    rows = db.session.execute(
        select(ProcessInstance)
        .where(ProcessInstance.id.in_(instance_ids))
        .order_by(ProcessInstance.id)  # one lock order across concurrent batches: no deadlock
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    ).scalars()
    return {i.id: i for i in rows}


def _lock_jobs(job_ids: list) -> list[Job]:
    if not job_ids:
        return []
    rows = db.session.execute(
        select(Job)
        .where(Job.id.in_(job_ids))
        .order_by(Job.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalars()
    return [j for j in rows if j.status in LIVE]


def _states(instance_ids: list) -> set:
    """Load the instances' states into the session, so `load_runner` finds them without a query."""
    if not instance_ids:
        return set()
    rows = db.session.execute(select(InstanceState).where(InstanceState.instance_id.in_(instance_ids)))
    return {s.instance_id for s in rows.scalars()}


def _fire(instance: ProcessInstance, job: Job, states: set) -> str:
    if job in db.session.deleted or inspect(job).deleted:
        return "skipped"  # an earlier timer of the same instance in this batch took it away
    if instance.status in ENDED or instance.id not in states:
        db.session.delete(job)
        return "cancelled"
    if instance.status == SUSPENDED:
        from app.services.jobs import POSTPONE

        job.status, job.due_at, job.locked_until = PENDING, utcnow() + POSTPONE, None
        return "postponed"
    try:
        runner, elements = load_runner(instance)
    except Conflict:
        db.session.delete(job)
        return "cancelled"
    task_id = job.task_id
    db.session.delete(job)  # a cycle's next period gets a fresh row from the step below
    if runner.fire_timer(task_id):
        persist_step(instance, runner.result(), elements)
    return "fired"


def _count(counts: dict[str, int], outcome: str, n: int = 1) -> None:
    if n:
        counts[outcome] = counts.get(outcome, 0) + n


def batches(claimed: list[tuple[str, datetime]], size: int = 100, spread: float = 0.05) -> list:
    """Group claimed (id, due) timers, sorted by due, into (ids, eta) batches.

    A batch is sent to run at its last timer's due time, so it holds at most `size` timers due
    within `spread` seconds of each other: none of them waits longer than that for the others.
    """
    groups: list = []
    for job_id, due in sorted(claimed, key=lambda c: c[1]):
        if groups and len(groups[-1][0]) < size and (due - groups[-1][2]).total_seconds() <= spread:
            groups[-1][0].append(job_id)
            groups[-1][1] = due
        else:
            groups.append([[job_id], due, due])
    return [(ids, eta) for ids, eta, _ in groups]
