"""A timer whose expression gives no date or duration fails as an incident naming the value, and a
retry with corrected variables makes it wait again (over HTTP; no worker: nothing here comes due)."""

import pytest

from app.models import Job
from tests.conftest import DATA


def _retry(admin, incident: dict, variables: dict):
    return admin.post(f"/incidents/{incident['id']}/retry", json={"variables": variables})


def _failed(admin, path: str, key: str, variables: dict) -> tuple[str, dict]:
    assert admin.deploy(DATA / "timers" / path).status_code in (200, 201)
    started = admin.post(f"/process-definitions/{key}/instances", json={"variables": variables})
    assert started.status_code == 201 and started.json["status"] == "failed", started.json
    (incident,) = admin.get("/incidents", query_string={"instance_id": started.json["id"]}).json["items"]
    return started.json["id"], incident


@pytest.mark.parametrize(
    "variables, problem",
    [
        ({"due": "soon"}, "timer timeDate '${due}' gave 'soon', which is not an ISO 8601 date"),
        ({"due": "2026-01-01T10:00:00@Mars/Olympus"}, "gave '2026-01-01T10:00:00@Mars/Olympus'"),
        ({}, "unknown variable 'due'"),
    ],
)
def test_a_timer_date_that_is_no_date_is_an_incident_a_retry_with_a_date_waits_for(admin, variables, problem):
    instance_id, incident = _failed(admin, "expression_date.bpmn", "timer_expression", variables)
    assert problem in incident["message"] and incident["element_id"] == "wait"
    retried = _retry(admin, incident, {"due": "2099-01-01T09:00:00Z"})
    assert retried.status_code == 200 and retried.json["status"] == "resolved", retried.json
    body = admin.get(f"/instances/{instance_id}").json
    assert body["status"] == "waiting" and body["active_elements"] == ["wait"]  # not fired at once
    assert body["variables"]["due"] == "2099-01-01T09:00:00Z"
    (job,) = Job.query.filter_by(instance_id=instance_id).all()  # the sweep will fire it then
    assert job.kind == "timer" and job.due_at.isoformat().startswith("2099-01-01T09:00:00")


def test_a_timer_retried_with_a_date_in_the_past_fires_at_once(admin):
    instance_id, incident = _failed(admin, "expression_date.bpmn", "timer_expression", {"due": "soon"})
    retried = _retry(admin, incident, {"due": "2020-01-01T00:00:00Z"})
    assert retried.status_code == 200, retried.json
    body = admin.get(f"/instances/{instance_id}").json
    assert body["active_elements"] == ["after"] and body["variables"]["due"] == "2020-01-01T00:00:00Z"


def test_a_boundary_timer_duration_that_is_no_duration_is_retried_and_the_task_stays_workable(admin):
    key = "timer_expression_boundary"
    instance_id, incident = _failed(admin, "expression_boundary.bpmn", key, {"wait": 5})
    assert "timer timeDuration '${wait}' gave 5, which is not an ISO 8601 duration" in incident["message"]
    assert incident["element_id"] == "too_late"
    retried = _retry(admin, incident, {"wait": "PT4H"})
    assert retried.status_code == 200, retried.json
    body = admin.get(f"/instances/{instance_id}").json
    assert body["status"] == "waiting" and body["active_elements"] == ["work"]
    (task,) = body["tasks"]
    assert admin.post(f"/tasks/{task['id']}/complete", json={}).status_code == 200
    assert admin.get(f"/instances/{instance_id}").json["status"] == "completed"


@pytest.mark.parametrize(
    "due",  # as FEEL's `date and time("2099-01-01T10:00:00@Europe/Berlin")` gives it, and as Zeebe writes it
    ["2099-01-01T10:00:00@Europe/Berlin", "2099-01-01T10:00:00+01:00[Europe/Berlin]"],
)
def test_a_timer_date_with_a_zone_id_waits_for_that_zones_time(admin, due):
    assert admin.deploy(DATA / "timers" / "expression_date.bpmn").status_code in (200, 201)
    started = admin.post("/process-definitions/timer_expression/instances", json={"variables": {"due": due}})
    assert started.json["status"] == "waiting" and started.json["active_elements"] == ["wait"], started.json
    (job,) = Job.query.filter_by(instance_id=started.json["id"]).all()
    assert job.due_at.isoformat().startswith("2099-01-01T09:00:00")  # 10:00 in Berlin is 09:00 UTC
