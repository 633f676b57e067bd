"""Work is sent to Celery after the commit that created it; a send that fails loses nothing and
does not turn the committed request into an error."""

from __future__ import annotations

import logging

from celery import Celery
from sqlalchemy import select

from app.extensions import db
from app.models import Job
from app.models.base import utcnow
from tests.conftest import DATA

DEAD_BROKER = "redis://127.0.0.1:1/0"  # nothing listens on port 1: every publish is refused


def test_a_start_whose_job_cannot_be_sent_is_a_201_and_the_sweep_sends_the_job_later(
    app, admin, monkeypatch, caplog
):
    # The broker is down after the commit: the instance exists, so a 500 made people start it again.
    monkeypatch.setitem(app.extensions, "celery", Celery("broker-down", broker=DEAD_BROKER))
    monkeypatch.setitem(app.extensions, "baton_dispatch", True)
    assert admin.deploy(DATA / "service" / "echo.bpmn").status_code == 201
    with caplog.at_level(logging.WARNING, logger="app.tasks"):
        started = admin.post("/process-definitions/svc_echo/instances", json={"variables": {"order": 7}})
    assert started.status_code == 201, started.json
    job = db.session.execute(select(Job).where(Job.instance_id == started.json["id"])).scalar_one()
    assert job.status == "queued" and job.locked_until > utcnow()  # claimed again when its lease ends
    assert "not sent" in caplog.text and str(job.id) in caplog.text
