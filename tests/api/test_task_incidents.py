"""An incident about a user task is resolved when the task closes (completed, withdrawn) or its
instance is cancelled: with a reason, in the audit trail."""

import pytest

from tests.conftest import DATA
from tests.engine.engine_support import ENGINE_DATA


@pytest.fixture
def ghost_task(admin):
    """A task whose scripted approver is nobody: offered to the approvers, with an open incident."""
    assert admin.deploy(DATA / "assignees" / "scripted_approver.bpmn").status_code == 201
    started = admin.post(
        "/process-definitions/scripted_approver/instances",
        json={"variables": {"region": "south"}, "business_key": "GH-1"},
    ).json
    incident = admin.get(f"/incidents?instance_id={started['id']}").json["items"][0]
    assert incident["status"] == "open"
    return started, incident["id"]


def _resolution(admin, instance_id, incident_id) -> dict:
    incident = next(
        i for i in admin.get(f"/incidents?instance_id={instance_id}").json["items"] if i["id"] == incident_id
    )
    assert incident["status"] == "resolved", incident
    entries = admin.get("/audit?action=incident.resolve").json["items"]
    assert [e["after"]["incident"] for e in entries] == [incident_id]
    assert entries[0]["reason"] == incident["resolution"]
    return incident


def test_completing_the_task_resolves_its_incident(ghost_task, admin, as_user):
    started, incident_id = ghost_task
    ann = as_user("ann", groups=["approvers"])
    assert ann.post(f"/tasks/{started['tasks'][0]['id']}/complete", json={}).status_code == 200
    incident = _resolution(admin, started["id"], incident_id)
    assert incident["resolved_by"] == "ann" and "completed by ann" in incident["resolution"]


def test_a_withdrawn_task_resolves_its_incident(ghost_task, admin):
    started, incident_id = ghost_task
    assert admin.post("/messages", json={"name": "recalled", "business_key": "GH-1"}).status_code == 200
    assert admin.get(f"/tasks/{started['tasks'][0]['id']}").json["status"] == "cancelled"
    assert "withdrawn" in _resolution(admin, started["id"], incident_id)["resolution"]


def test_cancelling_the_instance_resolves_its_task_incidents(ghost_task, admin):
    started, incident_id = ghost_task
    assert admin.post(f"/instances/{started['id']}/cancel", json={"reason": "wrong order"}).status_code == 200
    assert "cancelled" in _resolution(admin, started["id"], incident_id)["resolution"]


def test_cancelling_a_failed_instance_resolves_its_incident(admin):
    assert admin.deploy(ENGINE_DATA / "failing_script.bpmn").status_code == 201
    started = admin.post(
        "/process-definitions/failing_script/instances", json={"variables": {"total": 1, "parts": 0}}
    ).json
    incident_id = admin.get(f"/incidents?instance_id={started['id']}").json["items"][0]["id"]
    assert admin.post(f"/instances/{started['id']}/cancel", json={"reason": "bad data"}).status_code == 200
    assert "cancelled" in _resolution(admin, started["id"], incident_id)["resolution"]
