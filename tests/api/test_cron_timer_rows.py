"""A cron boundary timer through the API: its timer row is due at the cron line's next occurrence,
and firing the row takes the timer's path. The engine's clock is frozen, nothing sleeps."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from app.engine.timers import cron_next
from app.extensions import db
from app.models import Job
from app.models.jobs import TIMER
from app.services.job_runs import run_job
from tests.conftest import DATA
from tests.engine.test_cron_timers import FRIDAY_0830, MONDAY_0830
from tests.frozen_clock import freeze_timer_clock

MODEL = DATA / "cron" / "cron_timers.bpmn"


@pytest.fixture
def clock(monkeypatch):
    return freeze_timer_clock(monkeypatch, MONDAY_0830)


def timer_rows(instance_id) -> list[Job]:
    query = select(Job).where(Job.instance_id == instance_id, Job.kind == TIMER)
    return list(db.session.execute(query).scalars())


def history(admin, instance_id) -> list[str]:
    return [h["element_id"] for h in admin.get(f"/instances/{instance_id}/history").json["items"]]


def test_a_quartz_boundary_timer_row_is_due_at_the_next_cron_occurrence_and_interrupts(admin, clock):
    clock.moment = FRIDAY_0830
    assert admin.deploy(MODEL).status_code == 201
    started = admin.post("/process-definitions/cron_deadline/instances", json={}).json
    (row,) = timer_rows(started["id"])
    assert row.due_at == cron_next("0 0 6 ? * MON-FRI", FRIDAY_0830) == datetime(2025, 3, 10, 6, tzinfo=UTC)
    assert row.payload == {"timer": "cycle"}

    clock.moment = datetime(2025, 3, 10, 6, 0, 1, tzinfo=UTC)
    assert run_job(row.id) == "fired"
    assert admin.get(f"/instances/{started['id']}").json["active_elements"] == ["escalated"]
    assert timer_rows(started["id"]) == []


def test_a_non_interrupting_cron_boundary_timer_fires_and_gets_a_row_for_the_next_day(admin, clock):
    assert admin.deploy(MODEL).status_code == 201
    started = admin.post("/process-definitions/cron_reminder/instances", json={}).json
    (row,) = timer_rows(started["id"])
    assert row.due_at == datetime(2025, 3, 3, 9, tzinfo=UTC)

    clock.moment = datetime(2025, 3, 3, 9, 0, 1, tzinfo=UTC)
    assert run_job(row.id) == "fired"
    assert history(admin, started["id"]).count("count_reminder") == 1
    (row,) = timer_rows(started["id"])
    assert row.due_at == datetime(2025, 3, 4, 9, tzinfo=UTC)
    body = admin.get(f"/instances/{started['id']}").json
    assert body["status"] == "waiting" and [t["element_id"] for t in body["tasks"]] == ["review"]


def test_a_malformed_cron_cycle_is_a_400_naming_the_element(admin):
    text = MODEL.read_bytes().replace(b"0 0 9 * * ?", b"0 61 9 * * ?")
    response = admin.deploy_bytes({"broken_cron.bpmn": text})
    assert response.status_code == 400
    assert response.json["details"]["element_id"] == "remind" and "0 61 9 * * ?" in response.json["message"]
