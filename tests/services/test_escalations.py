"""Escalation levels keep the schedule the model gives them (escalation.after from the task's
creation, level after level), run in-process as the worker runs each level's job."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import Job
from app.models.base import utcnow
from app.services.job_runs import run_job
from tests.conftest import DATA
from tests.due_jobs import claimed

DAILY = (DATA / "notify" / "escalation.bpmn").read_text().replace('value="PT1S"', 'value="PT24H"')


def _level_job(task_id: str, level: int) -> Job:
    rows = db.session.execute(select(Job).where(Job.kind == "escalation", Job.task_id == task_id)).scalars()
    return next(row for row in rows if row.payload["level"] == level)


def test_a_level_fired_late_does_not_push_the_next_levels_back(admin):
    # After a six-hour outage the team lead heard at 30 h, and the manager only at 54 h, not 48 h.
    assert admin.deploy_bytes({"escalation.bpmn": DAILY.encode()}).status_code == 201
    started = admin.post("/process-definitions/chain_reassign/instances", json={}).json
    task_id = started["tasks"][0]["id"]
    first = _level_job(task_id, 1)
    first.due_at = utcnow() - timedelta(hours=6)  # due 24 h after the task was made, six hours ago
    assert run_job(claimed(first).id) == "escalated:team-lead"
    assert _level_job(task_id, 2).due_at == first.due_at + timedelta(hours=24)
