"""A task is never assigned to a ghost: an assignee expression that names no active user of the
tenant is refused when the request named them, else the task goes to its candidates with an incident."""

import pytest

from app.extensions import db
from app.services import identity
from tests.conftest import DATA

ASSIGNEES = DATA / "assignees"


@pytest.fixture
def handover(admin):
    assert admin.deploy(ASSIGNEES / "handover.bpmn").status_code == 201
    return admin


@pytest.fixture
def scripted(admin):
    assert admin.deploy(ASSIGNEES / "scripted_approver.bpmn").status_code == 201
    return admin


def _refused_naming(answer, variable: str, value: str) -> None:
    assert answer.status_code == 400, answer.json
    assert f"'{variable}'" in answer.json["message"] and f"'{value}'" in answer.json["message"]
    assert answer.json["details"]["field"] == f"variables.{variable}"


def test_a_start_naming_an_unknown_approver_is_a_400_and_starts_nothing(handover, as_user):
    as_user("alice")
    refused = handover.post(
        "/process-definitions/direct_approval/instances", json={"variables": {"approver": "ghost"}}
    )
    _refused_naming(refused, "approver", "ghost")
    assert handover.get("/instances?key=direct_approval").json["total"] == 0
    started = handover.post(
        "/process-definitions/direct_approval/instances", json={"variables": {"approver": "alice"}}
    )
    assert started.status_code == 201 and started.json["tasks"][0]["assignee"] == "alice"


def test_a_collection_naming_an_unknown_reviewer_is_a_400_naming_the_collection(admin, make_user):
    make_user("a")
    assert admin.deploy(DATA / "camunda" / "multi_instance.bpmn").status_code == 201
    variables = {"reviewers": ["a", "ghost"], "rounds": 1}
    refused = admin.post("/process-definitions/multi_instance/instances", json={"variables": variables})
    _refused_naming(refused, "reviewers", "ghost")


def test_a_disabled_user_is_no_approver_either(handover, as_user):
    as_user("dora")
    identity.find_user("dora").active = False
    db.session.flush()
    refused = handover.post(
        "/process-definitions/direct_approval/instances", json={"variables": {"approver": "dora"}}
    )
    _refused_naming(refused, "approver", "dora")


def test_a_completion_naming_an_unknown_approver_is_a_400_and_the_task_stays_open(handover, as_user):
    clerk = as_user("carl", groups=["clerks"])
    task_id = handover.post("/process-definitions/handover/instances", json={}).json["tasks"][0]["id"]
    refused = clerk.post(f"/tasks/{task_id}/complete", json={"variables": {"approver": "ghost"}})
    _refused_naming(refused, "approver", "ghost")
    assert clerk.get(f"/tasks/{task_id}").json["status"] == "open"
    assert handover.get("/tasks?definition_key=handover").json["total"] == 1
    assert handover.get("/audit?action=task.complete").json["total"] == 0


def test_a_message_naming_an_unknown_approver_is_a_400_and_the_instance_still_waits(handover):
    instance_id = handover.post("/process-definitions/named_by_message/instances", json={}).json["id"]
    sent = handover.post("/messages", json={"name": "approver_named", "variables": {"approver": "ghost"}})
    _refused_naming(sent, "approver", "ghost")
    assert handover.get(f"/instances/{instance_id}").json["active_elements"] == ["wait_name"]


def test_a_scripted_unknown_approver_leaves_the_task_to_its_group_with_an_incident(scripted, as_user):
    approver = as_user("ann", groups=["approvers"])
    started = scripted.post(
        "/process-definitions/scripted_approver/instances", json={"variables": {"region": "north"}}
    )
    assert started.status_code == 201, started.json
    task = started.json["tasks"][0]
    assert (task["assignee"], task["candidate_groups"]) == (None, ["approvers"])
    assert [t["id"] for t in approver.get("/tasks").json["items"]] == [task["id"]]
    incident = scripted.get(f"/incidents?instance_id={started.json['id']}").json["items"][0]
    assert incident["status"] == "open" and incident["task_id"] == task["id"]
    for named in ("'Approve'", "${approver}", "'approver-north'"):
        assert named in incident["message"], incident["message"]
    assert approver.post(f"/tasks/{task['id']}/complete", json={}).status_code == 200


def test_an_unknown_approver_with_no_group_is_left_to_operators_not_everyone(scripted, as_user):
    started = scripted.post(
        "/process-definitions/scripted_alone/instances", json={"variables": {"region": "x"}}
    )
    task_id = started.json["tasks"][0]["id"]
    assert started.json["tasks"][0]["assignee"] is None
    assert as_user("olga", roles="operator").get(f"/tasks/{task_id}").status_code == 200
    assert as_user("uma").get(f"/tasks/{task_id}").status_code == 403
