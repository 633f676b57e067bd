"""A service task whose handler failed for good is an incident that holds its instance 'failed'
while the task waits, and that ends with the task: a boundary event that interrupts the task
resolves it, as Camunda 7 deletes a cancelled activity's job and incident. Driven over HTTP and
through the job runner the worker calls."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Job
from app.services.job_runs import run_job
from tests.api import incident_handlers
from tests.conftest import DATA
from tests.frozen_clock import freeze_timer_clock


def _start(api, key: str) -> str:
    assert api.deploy(DATA / "incidents" / f"{key}.bpmn").status_code == 201
    started = api.post(f"/process-definitions/{key}/instances", json={})
    assert started.status_code == 201, started.json
    return started.json["id"]


def _job(instance_id: str, kind: str) -> Job:
    query = select(Job).where(Job.instance_id == instance_id, Job.kind == kind)
    return db.session.execute(query).scalar_one()


def _incident(api, instance_id: str) -> dict:
    (incident,) = api.get("/incidents", query_string={"instance_id": instance_id}).json["items"]
    return incident


def _complete(api, instance_id: str, element_id: str) -> dict:
    tasks = api.get("/tasks", query_string={"instance_id": instance_id}).json["items"]
    task = next(t for t in tasks if t["element_id"] == element_id)
    completed = api.post(f"/tasks/{task['id']}/complete", json={})
    assert completed.status_code == 200, completed.json
    return completed.json


def test_a_failed_service_task_its_boundary_timer_interrupts_has_its_incident_resolved(admin, monkeypatch):
    clock = freeze_timer_clock(monkeypatch, datetime(2025, 3, 3, 12, tzinfo=UTC))
    iid = _start(admin, "sync_with_deadline")
    assert run_job(_job(iid, "service").id) == "incident"
    timer = _job(iid, "timer")
    clock.moment = timer.due_at
    assert run_job(timer.id) == "fired"
    instance = admin.get(f"/instances/{iid}").json
    assert instance["status"] == "waiting" and instance["active_elements"] == ["enter_by_hand"]
    incident = _incident(admin, iid)
    assert incident["status"] == "resolved" and incident["resolution"] == "its task 'sync' was cancelled"
    assert admin.get("/incidents", query_string={"status": "open"}).json["items"] == []
    assert run_job(_job(iid, "service").id) == "skipped"  # a retry sent before would do nothing


def test_an_instance_with_a_failed_service_task_stays_failed_when_another_branch_moves_on(admin):
    iid = _start(admin, "sync_beside_review")
    assert run_job(_job(iid, "service").id) == "incident"
    assert _complete(admin, iid, "review")["instance"]["status"] == "failed"
    failed = admin.get("/instances", query_string={"status": "failed"}).json["items"]
    assert [i["id"] for i in failed] == [iid]
    retried = admin.post(f"/incidents/{_incident(admin, iid)['id']}/retry", json={})
    assert retried.status_code == 200, retried.json
    assert admin.get(f"/instances/{iid}").json["status"] == "waiting"


@pytest.fixture
def suspended_meanwhile(admin):
    def suspend_while_called(iid: str) -> list[int]:
        answers: list[int] = []
        incident_handlers.WHILE_CALLED.append(
            lambda: answers.append(admin.post(f"/instances/{iid}/suspend").status_code)
        )
        return answers

    yield suspend_while_called
    incident_handlers.WHILE_CALLED.clear()


def test_a_handler_failing_for_good_while_its_instance_is_suspended_leaves_it_suspended(
    admin, suspended_meanwhile
):
    iid = _start(admin, "sync_beside_review")
    suspended = suspended_meanwhile(iid)  # an operator suspends the instance while its handler runs
    assert run_job(_job(iid, "service").id) == "incident" and suspended == [200]
    assert admin.get(f"/instances/{iid}").json["status"] == "suspended"
    tasks = admin.get("/tasks", query_string={"instance_id": iid}).json["items"]
    refused = admin.post(f"/tasks/{tasks[0]['id']}/complete", json={})
    assert refused.status_code == 409 and "suspended" in refused.json["message"]
    assert admin.post(f"/instances/{iid}/resume").json["status"] == "failed"
    assert _incident(admin, iid)["status"] == "open"
