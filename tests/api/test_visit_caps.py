"""maxVisits on activities the engine runs by itself (script tasks, business rules): counted before
each run, so an automatic loop stops at its cap as a rework loop of user tasks does."""

from tests.conftest import DATA
from tests.scenarios.flow import instance, visited


def _start(api, key: str, limit: int) -> dict:
    deployed = api.deploy(DATA / "visit_caps" / f"{key}.bpmn")
    assert deployed.status_code == 201, deployed.json
    started = api.post(
        f"/process-definitions/{key}/instances", json={"variables": {"tries": 0, "limit": limit}}
    )
    assert started.status_code == 201, started.json
    return instance(api, started.json["id"])


def test_an_automatic_loop_is_stopped_at_its_cap_and_takes_the_escalation_path(admin):
    body = _start(admin, "retry_loop", limit=10)
    assert body["active_elements"] == ["Task_by_hand"], body
    assert body["variables"]["tries"] == 3  # the fourth try never ran
    history = visited(admin, body["id"])
    assert history.count("Task_try") == 3 and "Boundary_capped" in history and "End_done" not in history


def test_a_loop_that_ends_within_its_cap_is_not_escalated(admin):
    body = _start(admin, "retry_loop", limit=3)
    assert body["status"] == "completed" and body["variables"]["tries"] == 3, body


def test_an_automatic_loop_past_its_cap_with_nothing_to_catch_it_stops_with_an_incident(admin):
    body = _start(admin, "retry_loop_uncaught", limit=10)
    assert body["status"] == "failed" and body["variables"]["tries"] == 3, body
    [incident] = admin.get(f"/incidents?instance_id={body['id']}").json["items"]
    assert incident["element_id"] == "Task_try"
    assert "reached its limit of 3 visits" in incident["message"], incident
