"""A cycle start timer that missed periods (the server was down) fires once, then keeps its schedule
from now, as Camunda does: no burst of one instance per missed period."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import Job
from app.models.jobs import START_TIMER
from app.tasks.jobs import run_job
from tests.conftest import DATA

CYCLE = (DATA / "timers" / "start_cycle.bpmn").read_text()


def _deploy(admin, cycle: str) -> Job:
    model = CYCLE.replace("R3/PT1S", cycle)
    assert admin.deploy_bytes({"round.bpmn": model.encode()}).status_code == 201
    return db.session.execute(select(Job).where(Job.kind == START_TIMER)).scalar_one()


def _miss(row: Job, hours: float) -> datetime:
    """Put the row's due time `hours` in the past, as after an outage; now."""
    now = datetime.now(UTC)
    row.due_at = now - timedelta(hours=hours)
    db.session.flush()
    return now


def _due(row: Job) -> datetime:
    return row.due_at if row.due_at.tzinfo else row.due_at.replace(tzinfo=UTC)


def _started(admin) -> int:
    return admin.get("/instances", query_string={"key": "maintenance_round"}).json["total"]


def test_an_iso_cycle_that_missed_five_periods_fires_once_and_is_next_due_after_now(admin):
    row = _deploy(admin, "R/PT1H")
    now = _miss(row, 5.5)
    assert run_job(str(row.id)) == "started"
    assert _started(admin) == 1
    row = db.session.get(Job, row.id)
    assert now < _due(row) <= now + timedelta(hours=1)


def test_a_cron_cycle_that_missed_periods_fires_once_and_is_next_due_after_now(admin):
    row = _deploy(admin, "0 * * * *")
    now = _miss(row, 3)
    assert run_job(str(row.id)) == "started"
    row = db.session.get(Job, row.id)
    assert _started(admin) == 1 and now < _due(row) <= now + timedelta(hours=1)


def test_a_bounded_cycle_counts_each_firing_not_each_missed_period(admin):
    row = _deploy(admin, "R3/PT1H")
    for fired in range(3):
        row = db.session.get(Job, row.id)  # (the task's app context closed the session it was read in)
        _miss(row, 4)
        assert run_job(str(row.id)) == "started"
        assert _started(admin) == fired + 1
    assert db.session.get(Job, row.id).status == "done"  # R3: three firings, then the schedule ends
