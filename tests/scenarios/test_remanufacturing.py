"""Remanufacturing: the engine caps rework at maxVisits=2 by escalation; every disposition is an outcome."""

import pytest

from tests.scenarios.flow import complete, deploy, ended, instance, open_tasks, visited

GOOD = {"wear_mm": 0.1, "crack_found": False, "grade": "A"}
WORN = {"wear_mm": 0.3, "crack_found": False, "grade": "B"}
CRACKED = {"wear_mm": 0.0, "crack_found": True, "grade": "A"}


@pytest.fixture
def line(admin):
    deploy(admin, "remanufacturing.bpmn", "inspection_routing.dmn")
    return admin


def _inspected(api, **measured) -> str:
    iid = api.post(
        "/process-definitions/remanufacturing/instances", json={"variables": {"part_number": "PN-1"}}
    )
    iid = iid.json["id"]
    for element in ("Task_receive", "Task_disassemble", "Task_clean"):
        complete(api, iid, element, serial_number="SN-1")
    complete(api, iid, "Task_inspect", **measured)
    return iid


def test_a_third_rework_is_refused_by_the_engine_and_escalates_to_the_disposition(line):
    iid = _inspected(line, **WORN)
    complete(line, iid, "Task_rework")
    complete(line, iid, "Task_inspect", **WORN)
    complete(line, iid, "Task_rework")
    complete(line, iid, "Task_inspect", **WORN)
    assert instance(line, iid)["active_elements"] == ["Task_scrap_decision"]
    history = visited(line, iid)
    assert history.count("Task_rework") == 2 and "Boundary_max_visits" in history  # the third never ran
    complete(line, iid, "Task_scrap_decision", disposition="scrap")
    ended(line, iid, "End_scrapped", "scrapped")


def test_a_failed_final_qa_counts_as_a_rework_visit(line):
    iid = _inspected(line, **WORN)
    complete(line, iid, "Task_rework")
    complete(line, iid, "Task_inspect", **GOOD)
    complete(line, iid, "Task_reassemble")
    complete(line, iid, "Task_final_qa", qa_passed=False)
    assert "Task_rework" in instance(line, iid)["active_elements"]
    complete(line, iid, "Task_rework")
    complete(line, iid, "Task_inspect", **GOOD)
    complete(line, iid, "Task_reassemble")
    complete(line, iid, "Task_final_qa", qa_passed=False)
    assert instance(line, iid)["active_elements"] == ["Task_scrap_decision"]


@pytest.mark.parametrize(
    ("disposition", "tasks", "end", "outcome"),
    [
        ("return", ["Task_return"], "End_returned", "returned"),
        ("rma", ["Task_rma"], "End_rma", "rma"),
        ("hold", [], "End_hold", "hold"),
        ("scrap", [], "End_scrapped", "scrapped"),
    ],
)
def test_each_disposition_is_recorded_as_the_outcome(line, disposition, tasks, end, outcome):
    iid = _inspected(line, **CRACKED)
    complete(line, iid, "Task_scrap_decision", disposition=disposition)
    for element in tasks:
        complete(line, iid, element)
    ended(line, iid, end, outcome)
    found = line.get(f"/instances?outcome={outcome}&key=remanufacturing").json["items"]
    assert [i["id"] for i in found] == [iid]


def test_a_shipped_part_is_completed(line):
    iid = _inspected(line, **GOOD)
    complete(line, iid, "Task_reassemble")
    complete(line, iid, "Task_final_qa", qa_passed=True)
    complete(line, iid, "Task_ship")
    ended(line, iid, "End_shipped", "completed")


def test_a_wear_reading_outside_0_to_5_mm_is_refused_as_a_typo(line):
    iid = line.post("/process-definitions/remanufacturing/instances", json={}).json["id"]
    for element in ("Task_receive", "Task_disassemble", "Task_clean"):
        complete(line, iid, element, serial_number="SN-1")
    task = next(t for t in open_tasks(line, iid) if t["element_id"] == "Task_inspect")
    for typed, said in (("1e3", "Must be at most 5."), (-0.1, "Must be at least 0.")):
        sent = {"variables": {**GOOD, "wear_mm": typed}}
        refused = line.post(f"/tasks/{task['id']}/complete", json=sent)
        assert refused.status_code == 400 and refused.json["details"]["fields"] == {"wear_mm": said}


def test_final_qa_goes_to_the_qa_group_that_signs_work_orders(line, as_user):
    # Final QA was offered to "qa", the work order's QA signature to "QA": a QA engineer set up for
    # one never saw the other's tasks.
    quinn = as_user("quinn", groups=["QA"])
    iid = _inspected(line, **GOOD)
    complete(line, iid, "Task_reassemble")
    assert [t["element_id"] for t in open_tasks(quinn, iid)] == ["Task_final_qa"]
    complete(quinn, iid, "Task_final_qa", qa_passed=True)
