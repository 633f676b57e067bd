"""BPMN duration timers counted in the business hours of the definition's calendar.

The engine's clock is set by replacing the timer library's `datetime` with a frozen one, so a
Friday afternoon and the weekend after it take no real time.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.engine.extensions import read_process
from app.engine.timers import business_due
from app.extensions import db
from app.models import Job
from app.models.jobs import TIMER
from app.services.calendars import calendar_named
from app.services.job_runs import run_job
from tests.conftest import DATA
from tests.frozen_clock import freeze_timer_clock

BERLIN = ZoneInfo("Europe/Berlin")
FRIDAY_4PM = datetime(2025, 1, 10, 16, tzinfo=BERLIN)
MONDAY_4PM = datetime(2025, 1, 13, 16, tzinfo=BERLIN)  # 15:00 UTC


@pytest.fixture
def clock(monkeypatch):
    return freeze_timer_clock(monkeypatch, FRIDAY_4PM)


def timer_row(instance_id) -> Job:
    query = select(Job).where(Job.instance_id == instance_id, Job.kind == TIMER)
    return db.session.execute(query).scalar_one()


def active(admin, instance_id) -> list[str]:
    return sorted(admin.get(f"/instances/{instance_id}").json["active_elements"])


def test_eight_business_hours_from_friday_four_pm_are_due_monday_four_pm(admin, make_user, clock):
    make_user("boss")
    assert admin.deploy(DATA / "timers" / "business_hours.bpmn").status_code == 201
    started = admin.post("/process-definitions/business_timer/instances", json={}).json
    assert timer_row(started["id"]).due_at == MONDAY_4PM  # 1 h on Friday + 7 h on Monday

    clock.moment = datetime(2025, 1, 11, 12, tzinfo=BERLIN)  # Saturday: past Friday + 8 wall hours
    note = next(
        t for t in admin.get(f"/instances/{started['id']}").json["tasks"] if t["element_id"] == "note"
    )
    assert admin.post(f"/tasks/{note['id']}/complete", json={"variables": {}}).status_code == 200
    assert active(admin, started["id"]) == ["approve"]  # a step on Saturday fires nothing
    assert timer_row(started["id"]).due_at == MONDAY_4PM

    clock.moment = MONDAY_4PM
    assert run_job(timer_row(started["id"]).id) == "fired"
    assert active(admin, started["id"]) == ["escalated"]


def test_a_definition_without_a_calendar_counts_wall_clock_hours(admin, clock):
    xml = (DATA / "timers" / "business_hours.bpmn").read_bytes().replace(b"DE-9to17", b"24x7")
    assert admin.deploy_bytes({"wall.bpmn": xml}).status_code == 201
    started = admin.post("/process-definitions/business_timer/instances", json={}).json
    assert timer_row(started["id"]).due_at == datetime(2025, 1, 11, 0, tzinfo=BERLIN)


def test_the_due_time_is_recomputed_from_the_wall_clock_due_and_the_modelled_duration():
    from lxml import etree

    process = etree.parse(str(DATA / "timers" / "business_hours.bpmn")).getroot()[0]
    timer = read_process(process)["elements"]["too_late"]["timer"]
    assert timer == {"kind": "duration", "expression": "PT8H"}
    wall_due = datetime(2025, 1, 11, 0, tzinfo=BERLIN)  # Friday 16:00 + 8 h on the wall clock
    assert business_due(calendar_named("DE-9to17"), wall_due, timer["expression"]) == MONDAY_4PM


def test_a_bare_country_code_counts_timers_in_that_countrys_business_hours(admin, make_user, monkeypatch):
    """`GB`, as the example models and SLA clocks say it: Monday to Friday, 9 to 17 UTC."""
    freeze_timer_clock(monkeypatch, datetime(2025, 1, 10, 16, tzinfo=UTC))  # a Friday, 16:00 UTC
    make_user("boss")
    model = (DATA / "timers" / "business_hours.bpmn").read_text().replace('value="DE-9to17"', 'value="GB"')
    assert admin.deploy_bytes({"business_hours.bpmn": model.encode()}).status_code == 201
    started = admin.post("/process-definitions/business_timer/instances", json={}).json
    assert timer_row(started["id"]).due_at == datetime(2025, 1, 13, 16, tzinfo=UTC)  # 1 h + 7 h


def test_a_timer_after_an_event_gateway_is_due_when_the_same_timer_alone_is(admin, clock):
    assert admin.deploy(DATA / "timers" / "business_gateway.bpmn").status_code == 201
    for key in ("lone_business_wait", "raced_business_wait"):
        started = admin.post(f"/process-definitions/{key}/instances", json={}).json
        assert timer_row(started["id"]).due_at == MONDAY_4PM, key
    clock.moment = MONDAY_4PM
    assert run_job(timer_row(started["id"]).id) == "fired"
    assert admin.get(f"/instances/{started['id']}").json["status"] == "completed"
