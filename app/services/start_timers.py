"""Timer start events: a definition-level job row per event, firing new instances on schedule.

Only the latest published version of a process keeps its start timers; deploying a new version
replaces the previous version's rows in the deployment's transaction.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select

from app.engine import timers
from app.engine.runner import Runner
from app.extensions import db
from app.models import Definition, Job, ProcessInstance
from app.models.base import as_utc, utcnow
from app.models.definitions import PUBLISHED
from app.models.instances import WAITING
from app.models.jobs import DONE, LIVE, PENDING, START_TIMER
from app.services.bundles import bundle_for
from app.services.instance_facts import new_facts
from app.services.stepping import persist_step

log = logging.getLogger(__name__)


@dataclass
class TimerActor:
    """Who starts an instance on a timer (shown as `started_by`)."""

    tenant_id: str
    username: str = "timer"


def schedule_start_timers(definitions: list[Definition]) -> None:
    """Called by `deploy` before it commits: (re)create start-timer rows of newly published processes."""
    for definition in definitions:
        starts = (definition.meta or {}).get("timer_starts") or []
        if definition.kind != "bpmn" or definition.status != PUBLISHED:
            continue
        db.session.flush()
        if starts and _has_rows(definition.id):
            continue  # identical redeploy: the schedule goes on (or stays ended: a done row)
        # Also when this version has no timer start event: the schedule is the latest version's,
        # and an older one's would go on starting instances of it (Camunda 7 removes it too).
        _drop_other_versions(definition)
        for start in starts:
            _add_row(definition, start)


def _has_rows(definition_id) -> bool:
    return (
        db.session.execute(
            select(Job.id).where(Job.definition_id == definition_id, Job.kind == START_TIMER).limit(1)
        ).first()
        is not None
    )


def _drop_other_versions(definition: Definition) -> None:
    others = select(Definition.id).where(
        Definition.tenant_id == definition.tenant_id,
        Definition.key == definition.key,
        Definition.kind == "bpmn",
    )
    for row in db.session.execute(
        select(Job).where(Job.kind == START_TIMER, Job.definition_id.in_(others), Job.status.in_(LIVE))
    ).scalars():
        db.session.delete(row)


def _add_row(definition: Definition, start: dict) -> None:
    due, state = timers.first_start(start["kind"], start["expression"])
    if due is None:
        return
    db.session.add(
        Job(
            tenant_id=definition.tenant_id,
            kind=START_TIMER,
            definition_id=definition.id,
            element_id=start["element_id"],
            payload={"kind": start["kind"], "expression": start["expression"], "state": state},
            status=PENDING,
            due_at=due,
        )
    )


def fire_start_timer(job_id) -> str:
    """Start one instance for a due start-timer row and schedule its next firing, in one commit."""
    from app.services.job_runs import locked_job

    job = locked_job(job_id)
    if job is None:
        db.session.rollback()
        return "skipped"
    definition = db.session.get(Definition, job.definition_id)
    if definition is None or definition.status != PUBLISHED:
        db.session.delete(job)
        db.session.commit()
        return "cancelled"
    _start(definition)
    due, state = timers.next_start(as_utc(job.due_at), job.payload.get("state") or {}, utcnow())
    if due is None:  # kept, done: the same file deployed again must not schedule it anew
        job.status, job.locked_until = DONE, None
    else:
        job.due_at, job.status, job.locked_until = due, PENDING, None
        job.payload = {**job.payload, "state": state}
    db.session.commit()
    return "started"


def _start(definition: Definition) -> ProcessInstance:
    bundle = bundle_for(definition)
    known = new_facts(None, definition.id, definition.tenant_id)
    runner = Runner.start(bundle, {}, facts=known)
    runner.fire_start_timers()
    instance = ProcessInstance(
        id=known.process_instance_id,
        tenant_id=definition.tenant_id,
        definition_id=definition.id,
        definition_key=definition.key,
        definition_version=definition.version,
        status=WAITING,
        started_by=TimerActor(definition.tenant_id).username,
        created_at=utcnow(),
    )
    db.session.add(instance)
    db.session.flush()
    persist_step(instance, runner.result(), runner.elements)
    return instance
