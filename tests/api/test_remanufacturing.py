"""The remanufacturing example from bpmn/ and dmn/, driven over HTTP as a line would run it."""

import pytest

from tests.conftest import ROOT

GOOD = {"wear_mm": 0.1, "crack_found": False, "grade": "A"}
WORN = {"wear_mm": 0.3, "crack_found": False, "grade": "B"}


@pytest.fixture
def line(admin):
    deployed = admin.deploy(ROOT / "bpmn" / "remanufacturing.bpmn", ROOT / "dmn" / "inspection_routing.dmn")
    assert deployed.status_code == 201, deployed.json
    return admin


def _start(api, business_key="PART-001"):
    started = api.post(
        "/process-definitions/remanufacturing/instances",
        json={"variables": {"part_number": "PN-77"}, "business_key": business_key},
    )
    assert started.status_code == 201, started.json
    return started.json["id"]


def _complete(api, instance_id, element_id, **variables):
    tasks = api.get(f"/tasks?instance_id={instance_id}").json["items"]
    assert [t["element_id"] for t in tasks] == [element_id], tasks
    done = api.post(f"/tasks/{tasks[0]['id']}/complete", json={"variables": variables})
    assert done.status_code == 200, done.json
    # The answer already says where the instance is now: the same as asking again.
    now_open = api.get(f"/tasks?instance_id={instance_id}").json["items"]
    assert [t["id"] for t in done.json["next_tasks"]] == [t["id"] for t in now_open]
    assert done.json["instance"]["status"] == _instance(api, instance_id)["status"]


def _to_inspection(api, instance_id):
    _complete(api, instance_id, "Task_receive", serial_number="SN-1")
    _complete(api, instance_id, "Task_disassemble")
    _complete(api, instance_id, "Task_clean")


def _instance(api, instance_id):
    return api.get(f"/instances/{instance_id}").json


def test_a_good_part_passes_inspection_and_ships(line):
    iid = _start(line)
    _to_inspection(line, iid)
    _complete(line, iid, "Task_inspect", **GOOD)
    assert _instance(line, iid)["variables"]["route"] == "pass"
    _complete(line, iid, "Task_reassemble")
    _complete(line, iid, "Task_final_qa", qa_passed=True)
    _complete(line, iid, "Task_ship")
    final = _instance(line, iid)
    assert final["status"] == "completed" and final["ended_at"]
    visited = [h["element_id"] for h in line.get(f"/instances/{iid}/history").json["items"]]
    assert (
        visited[-4:] == ["Task_reassemble", "Task_final_qa", "Gateway_qa", "Task_ship"]
        or "End_shipped" in visited
    )


def test_rework_twice_then_pass(line):
    iid = _start(line)
    _to_inspection(line, iid)
    for _ in range(2):
        _complete(line, iid, "Task_inspect", **WORN)
        _complete(line, iid, "Task_rework")
    _complete(line, iid, "Task_inspect", **GOOD)
    state = _instance(line, iid)
    assert state["variables"]["inspection_visits"] == 3
    assert state["active_elements"] == ["Task_reassemble"]
    history = line.get(f"/instances/{iid}/history").json["items"]
    assert sum(1 for h in history if h["element_id"] == "Task_inspect") == 3
    # The routing decision is a drawn task like the others: each evaluation is in the history.
    routes = [h for h in history if h["element_id"] == "Rule_route"]
    assert len(routes) == 3 and routes[0]["type"] == "businessRuleTask"
    assert routes[0]["name"] == "Route inspection" and routes[0]["state"] == "completed"


def test_three_failed_inspections_go_to_the_scrap_decision(line):
    iid = _start(line)
    _to_inspection(line, iid)
    for _ in range(2):
        _complete(line, iid, "Task_inspect", **WORN)
        _complete(line, iid, "Task_rework")
    _complete(line, iid, "Task_inspect", **WORN)
    assert _instance(line, iid)["active_elements"] == ["Task_scrap_decision"]
    _complete(line, iid, "Task_scrap_decision", disposition="scrap")
    final = _instance(line, iid)
    assert final["status"] == "completed" and final["variables"]["outcome"] == "scrapped"
    # The item's history has the cap's boundary event once, when it fired: not a "cancelled"
    # "Visits used up" after each rework, where it was only armed (as Camunda lists no such event).
    history = line.get(f"/instances/{iid}/history").json["items"]
    caps = [(h["element_id"], h["state"]) for h in history if h["type"] == "boundaryEvent"]
    assert caps == [("Boundary_max_visits", "completed")]


def test_a_cracked_part_is_returned_to_the_supplier(line):
    iid = _start(line)
    _to_inspection(line, iid)
    _complete(line, iid, "Task_inspect", wear_mm=0.0, crack_found=True, grade="A")
    _complete(line, iid, "Task_scrap_decision", disposition="return")
    _complete(line, iid, "Task_return")
    assert _instance(line, iid)["status"] == "completed"


def test_inspection_tasks_are_offered_to_inspectors_only(line, as_user):
    iid = _start(line)
    _to_inspection(line, iid)
    inspector = as_user("ines", groups=["inspectors"])
    cleaner = as_user("carl", groups=["technicians"])
    assert [t["element_id"] for t in inspector.get("/tasks").json["items"]] == ["Task_inspect"]
    assert cleaner.get("/tasks").json["total"] == 0


def test_the_inspection_decision_can_be_evaluated_directly(line):
    result = line.post("/decisions/inspection_routing/evaluate", json={"variables": WORN})
    assert result.status_code == 200 and result.json["result"] == "rework"


def test_a_grade_the_routing_table_does_not_know_is_refused_at_the_door(line):
    # (It used to reach the gateway and stop the part there with an incident: the inspection form's
    # grade is an enum, so the completion is refused and the task stays open for a real grade.)
    iid = _start(line)
    _to_inspection(line, iid)
    task = line.get(f"/tasks?instance_id={iid}").json["items"][0]
    variables = {"wear_mm": 0.1, "crack_found": False, "grade": "Z"}
    refused = line.post(f"/tasks/{task['id']}/complete", json={"variables": variables})
    assert refused.status_code == 400 and set(refused.json["details"]["fields"]) == {"grade"}
    assert line.get(f"/incidents?instance_id={iid}").json["items"] == []
    _complete(line, iid, "Task_inspect", **{**variables, "grade": "C"})
