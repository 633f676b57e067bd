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


SCRIPTED_REVIEWERS = "/process-definitions/reviewers_scripted/instances"


@pytest.fixture
def reviewers(admin):
    assert admin.deploy(ASSIGNEES / "candidates.bpmn").status_code == 201
    return admin


def test_a_start_naming_an_unknown_candidate_user_is_a_400_and_starts_nothing(reviewers, as_user):
    as_user("ann")
    variables = {"reviewers": ["ann", "ghost"]}
    refused = reviewers.post("/process-definitions/reviewers_sent/instances", json={"variables": variables})
    _refused_naming(refused, "reviewers", "ghost")
    assert "offered to the users ${reviewers}" in refused.json["message"]
    assert reviewers.get("/instances?key=reviewers_sent").json["total"] == 0
    started = reviewers.post(
        "/process-definitions/reviewers_sent/instances", json={"variables": {"reviewers": ["ann"]}}
    )
    assert started.status_code == 201 and started.json["tasks"][0]["candidate_users"] == ["ann"]


def test_scripted_unknown_candidate_users_are_dropped_with_an_incident(reviewers, as_user):
    ann = as_user("ann")
    variables = {"keep": ["ann"], "regions": ["north"]}
    started = reviewers.post(SCRIPTED_REVIEWERS, json={"variables": variables})
    assert started.status_code == 201, started.json
    task = started.json["tasks"][0]
    assert task["candidate_users"] == ["ann"]
    assert [t["id"] for t in ann.get("/tasks").json["items"]] == [task["id"]]
    incident = reviewers.get(f"/incidents?instance_id={started.json['id']}").json["items"][0]
    assert incident["task_id"] == task["id"]
    for named in ("'Review'", "candidateUsers ${reviewers}", "'reviewer-north'"):
        assert named in incident["message"], incident["message"]
    assert "'ann'" not in incident["message"]


def test_when_no_scripted_candidate_user_exists_the_task_is_left_to_operators(reviewers, as_user):
    variables = {"keep": [], "regions": ["x", "y"]}
    started = reviewers.post(SCRIPTED_REVIEWERS, json={"variables": variables})
    assert started.status_code == 201, started.json
    task = started.json["tasks"][0]
    assert (task["assignee"], task["candidate_users"]) == (None, [])
    incident = reviewers.get(f"/incidents?instance_id={started.json['id']}").json["items"][0]
    assert "'reviewer-x', 'reviewer-y', who are" in incident["message"], incident["message"]
    assert "only admins and operators see the task" in incident["message"]
    assert as_user("olga", roles="operator").get(f"/tasks/{task['id']}").status_code == 200
    assert as_user("uma").get(f"/tasks/{task['id']}").status_code == 403


def test_listed_candidate_users_are_kept_as_written_like_a_listed_assignee(reviewers, as_user):
    as_user("ann")  # deploy took the list: a user named there may be created later
    started = reviewers.post("/process-definitions/reviewers_listed/instances", json={})
    assert started.json["tasks"][0]["candidate_users"] == ["not_yet_hired", "ann"]
    assert reviewers.get(f"/incidents?instance_id={started.json['id']}").json["total"] == 0
