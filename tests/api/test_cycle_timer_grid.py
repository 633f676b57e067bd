"""A repeating timer keeps its schedule however late the worker fires it: R/PT1H begun at noon is
due on the hour, and hours missed while nothing ran are one firing, not a burst (as Camunda's
timer start events and Baton's own start timers do). Driven over HTTP and through the timer job,
on a frozen clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Job
from app.models.jobs import TIMER
from app.services.job_runs import run_job
from tests.conftest import DATA
from tests.frozen_clock import freeze_timer_clock

NOON = datetime(2025, 3, 3, 12, tzinfo=UTC)
HOUR = timedelta(hours=1)


@pytest.fixture
def clock(monkeypatch):
    return freeze_timer_clock(monkeypatch, NOON)


@pytest.fixture
def hourly(admin, clock) -> str:
    assert admin.deploy(DATA / "zeebe" / "reminders.bpmn").status_code == 201
    variables = {"period": "PT1H"}  # a reminder every hour on the open review, for ever
    started = admin.post("/process-definitions/z8_reminders/instances", json={"variables": variables})
    assert started.status_code == 201, started.json
    return started.json["id"]


def _timer(instance_id) -> Job:
    (row,) = db.session.execute(
        select(Job).where(Job.instance_id == instance_id, Job.kind == TIMER)
    ).scalars()
    return row


def _due(instance_id) -> datetime:
    return _timer(instance_id).due_at


def _fire_at(clock, instance_id, moment: datetime) -> None:
    row = _timer(instance_id)
    clock.moment = moment
    assert run_job(row.id) == "fired"


def _reminders(admin, instance_id) -> int:
    history = admin.get(f"/instances/{instance_id}/history").json["items"]
    return [h["element_id"] for h in history].count("note")


def test_a_cycle_fired_late_stays_due_on_its_first_due_times_grid(admin, clock, hourly):
    assert _due(hourly) == NOON + HOUR
    _fire_at(clock, hourly, NOON + HOUR + timedelta(minutes=10, seconds=7))  # the worker was slow
    assert _due(hourly) == NOON + 2 * HOUR  # not 14:10:07
    _fire_at(clock, hourly, NOON + 2 * HOUR + timedelta(milliseconds=800))
    assert _due(hourly) == NOON + 3 * HOUR
    assert _reminders(admin, hourly) == 2


def test_hours_missed_while_nothing_ran_fire_once_then_the_next_hour_on_the_grid(admin, clock, hourly):
    _fire_at(clock, hourly, NOON + 4 * HOUR + timedelta(minutes=30))  # down from 13:00 to 16:30
    assert _reminders(admin, hourly) == 1
    assert _due(hourly) == NOON + 5 * HOUR
    body = admin.get(f"/instances/{hourly}").json
    assert [t["element_id"] for t in body["tasks"]] == ["review"]


def _start_listening(admin, cycle: str) -> str:
    # A non-interrupting event subprocess whose timer cycle notes a reminder while the review is open.
    assert admin.deploy(DATA / "cycle_timers" / "event_subprocess_cycle.bpmn").status_code == 201
    started = admin.post("/process-definitions/esp_reminders/instances", json={"variables": {"cycle": cycle}})
    assert started.status_code == 201, started.json
    return started.json["id"]


def test_an_event_subprocess_cycle_fired_late_stays_on_its_grid_and_counts_its_repetitions(admin, clock):
    # Each firing arms a fresh listener: it goes on with the cycle, it does not start it again.
    instance_id = _start_listening(admin, "R2/PT1H")
    assert _due(instance_id) == NOON + HOUR
    _fire_at(clock, instance_id, NOON + HOUR + timedelta(minutes=10))
    assert _due(instance_id) == NOON + 2 * HOUR  # not 14:10
    _fire_at(clock, instance_id, NOON + 2 * HOUR + timedelta(minutes=25))
    assert _timer_rows(instance_id) == [] and _reminders(admin, instance_id) == 2  # R2: done


def test_an_event_subprocess_cycle_from_a_start_date_fires_its_repetitions_and_stops(admin, clock):
    # Its fresh listener read the start date again, already past: it fired and re-armed for ever.
    instance_id = _start_listening(admin, "R3/2025-03-03T13:30:00Z/PT1H")
    for hour in range(3):
        assert _due(instance_id) == NOON + (hour + 1.5) * HOUR
        _fire_at(clock, instance_id, NOON + (hour + 1.5) * HOUR + timedelta(minutes=10))
    assert _timer_rows(instance_id) == [] and _reminders(admin, instance_id) == 3
    body = admin.get(f"/instances/{instance_id}").json
    assert body["status"] == "waiting" and [t["element_id"] for t in body["tasks"]] == ["review"]


def _timer_rows(instance_id) -> list[Job]:
    return list(
        db.session.execute(select(Job).where(Job.instance_id == instance_id, Job.kind == TIMER)).scalars()
    )


def test_a_monthly_cycle_stays_on_its_day_of_the_month(admin, clock):
    # Counted as seconds, P1M was March's 31 days each time: due April 3, then May 4, June 4...
    instance_id = _start_reminders(admin, "P1M")
    assert _due(instance_id) == datetime(2025, 4, 3, 12, tzinfo=UTC)
    _fire_at(clock, instance_id, datetime(2025, 4, 3, 12, 5, tzinfo=UTC))
    assert _due(instance_id) == datetime(2025, 5, 3, 12, tzinfo=UTC)  # April has 30 days
    _fire_at(clock, instance_id, datetime(2025, 5, 3, 12, tzinfo=UTC) + timedelta(seconds=1))
    assert _due(instance_id) == datetime(2025, 6, 3, 12, tzinfo=UTC)


def test_a_daily_cycle_from_a_zoned_start_keeps_its_local_time_across_daylight_saving(admin, clock):
    # Berlin moves to summer time on 30 March 2025: 09:00 there is 08:00 UTC before, 07:00 after.
    instance_id = _start_listening(admin, "R3/2025-03-29T09:00:00@Europe/Berlin/P1D")
    assert _due(instance_id) == datetime(2025, 3, 29, 8, tzinfo=UTC)
    _fire_at(clock, instance_id, datetime(2025, 3, 29, 8, 1, tzinfo=UTC))
    assert _due(instance_id) == datetime(2025, 3, 30, 7, tzinfo=UTC)
    _fire_at(clock, instance_id, datetime(2025, 3, 30, 7, 1, tzinfo=UTC))
    assert _due(instance_id) == datetime(2025, 3, 31, 7, tzinfo=UTC)


def _start_reminders(admin, period: str) -> str:
    assert admin.deploy(DATA / "zeebe" / "reminders.bpmn").status_code == 201
    started = admin.post(
        "/process-definitions/z8_reminders/instances", json={"variables": {"period": period}}
    )
    assert started.status_code == 201, started.json
    return started.json["id"]
