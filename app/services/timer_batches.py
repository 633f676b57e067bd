"""Firing due timers in batches: one Celery delivery and one transaction for many timers.

A timer's fire is a short engine step; run one per Celery message and transaction, most of its
cost is the message, the round trips and re-reading the same definition and user after every
commit. A batch locks its instances (SKIP LOCKED: an instance a request is stepping right now is
left to the one-by-one path), then their job rows, in the same order as everywhere else
(instance, then job), fires each timer and commits once.

Exactly once holds as for one job: each job row is re-read under its lock and fired only while it
is live; the fire deletes it in the step's transaction, so a redelivered batch finds nothing to do.

The steps run without autoflush and are flushed together at the end, so the batch's inserts and
updates go out as one statement (fast_flush) instead of four flushes per timer. The after-step
hooks read only rows older than the step (or flush first, as work orders do); an instance an
earlier step of the batch already changed is flushed before it is stepped again.
"""

from __future__ import annotations

import logging
from datetime import datetime
from uuid import UUID

from sqlalchemy import insert, inspect, select

from app.errors import Conflict
from app.extensions import db
from app.models import InstanceState, Job, Notification, ProcessInstance
from app.models.base import utcnow
from app.models.instances import ENDED, SUSPENDED
from app.models.jobs import LIVE, PENDING, SERVICE, TIMER
from app.services.instances import commit_step, load_runner
from app.services.jobs import delete_known_job, forget_known_jobs, known_jobs, runnable
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
    finally:
        forget_known_jobs()
    for job_id in busy:
        _count(counts, _fire_one(job_id))
    return counts


def _fire_one(job_id) -> str:
    from app.services.job_runs import run_job

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
    jobs = _lock_jobs([j for j, i in owners.items() if i in instances], list(instances))
    states = _states(list(instances))
    with db.session.no_autoflush:
        for job in jobs:
            instance = instances[job.instance_id]
            if inspect(instance).modified:
                db.session.flush()  # stepped already in this batch: its next step must see that
            _count(counts, _fire(instance, job, states))
        _append_notifications()
    commit_step()  # its flush sends the stepped instance rows, states and history as one statement
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


def _lock_jobs(job_ids: list, instance_ids: list) -> list[Job]:
    """Lock the batch's jobs and load every timer and service job of its instances with them,
    handed to `sync_jobs` so the step does not query them again; returns the batch's live jobs."""
    if not job_ids:
        return []
    rows = db.session.execute(
        select(Job)
        .where(Job.instance_id.in_(instance_ids), Job.kind.in_((SERVICE, TIMER)))
        .order_by(Job.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalars()
    known: dict = {i: [] for i in instance_ids}
    for row in rows:
        known[row.instance_id].append(row)
    known_jobs(known)
    wanted = set(job_ids)
    return [j for rows in known.values() for j in rows if j.id in wanted and runnable(j)]


def _states(instance_ids: list) -> dict:
    """Load the instances' states into the session, so `load_runner` finds them without a query
    (the session holds unchanged rows weakly: the returned dict keeps them there)."""
    if not instance_ids:
        return {}
    rows = db.session.execute(select(InstanceState).where(InstanceState.instance_id.in_(instance_ids)))
    return {s.instance_id: s for s in rows.scalars()}


def _fire(instance: ProcessInstance, job: Job, states: dict) -> str:
    if inspect(job).deleted:  # (a step that deleted it was flushed before this instance's next)
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
    delete_known_job(job)  # a cycle's next period gets a fresh row from the step below
    if runner.fire_timer(task_id):
        persist_step(instance, runner.result(), elements)
    return "fired"


def _added_order(row: Notification) -> int:
    order = inspect(row).insert_order
    if order is None:  # (session.add numbers every object it takes)
        raise ValueError(f"{row!r} was not added to the session")
    return order


def _append_notifications() -> None:
    """Insert the batch's in-app notification rows (appended, never read back in the batch) with a
    plain executemany, which psycopg pipelines and parses once, in place of the ORM's multi-row
    VALUES: psycopg parses that statement, thousands of parameters long, again on every batch.
    (The step rows themselves go out with the flush: fast_flush.)"""
    groups: dict = {}
    new = sorted((o for o in db.session.new if type(o) is Notification), key=_added_order)
    for row in new:  # (in the order they were added, as the ORM would: history is read by id)
        db.session.expunge(row)
        values = {k: v for k, v in vars(row).items() if not k.startswith("_")}
        groups.setdefault((type(row), frozenset(values)), []).append(values)
    for (model, _), rows in groups.items():
        db.session.execute(insert(model.__table__), rows)


def _count(counts: dict[str, int], outcome: str, n: int = 1) -> None:
    if n:
        counts[outcome] = counts.get(outcome, 0) + n


def batches(claimed: list[tuple[str, datetime]], size: int = 200, spread: float = 0.2) -> list:
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
