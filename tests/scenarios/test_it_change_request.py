"""IT change request: standard, normal (CAB approves, rejects or defers) and emergency changes."""

import pytest

from tests.scenarios.flow import complete, deploy, ended, open_tasks, start

KEY = "it_change_request"


@pytest.fixture
def change(admin):
    deploy(admin, "it_change_request.bpmn")
    return admin


def test_a_standard_change_is_implemented_and_verified(change):
    iid = start(change, KEY, change_type="standard", summary="patch web-1")
    complete(change, iid, "Task_implement")
    complete(change, iid, "Task_verify", verified=True)
    ended(change, iid, "End_implemented", "implemented")


def test_a_failed_verification_rolls_back(change):
    iid = start(change, KEY, change_type="standard", summary="patch web-1")
    complete(change, iid, "Task_implement")
    complete(change, iid, "Task_verify", verified=False)
    complete(change, iid, "Task_rollback")
    ended(change, iid, "End_rolled_back", "rolled_back")


@pytest.mark.parametrize(
    ("decision", "end", "outcome"),
    [("reject", "End_rejected", "rejected"), ("defer", "End_deferred", "deferred")],
)
def test_the_cab_rejects_or_defers_with_a_reason(change, decision, end, outcome):
    iid = start(change, KEY, change_type="normal", summary="new DB cluster")
    task = open_tasks(change, iid)[0]
    refused = change.post(f"/tasks/{task['id']}/complete", json={"variables": {"cab_decision": decision}})
    assert refused.status_code == 400 and "reason" in refused.json["message"]
    complete(change, iid, "Task_cab_review", reason="freeze week", cab_decision=decision)
    ended(change, iid, end, outcome)


def test_the_cab_approves_a_normal_change(change):
    iid = start(change, KEY, change_type="normal", summary="new DB cluster")
    assert open_tasks(change, iid)[0]["candidate_groups"] == ["cab"]
    complete(change, iid, "Task_cab_review", reason="low risk", cab_decision="approve")
    complete(change, iid, "Task_implement")
    complete(change, iid, "Task_verify", verified=True)
    ended(change, iid, "End_implemented", "implemented")


def test_an_emergency_change_goes_to_the_emergency_cab(change):
    iid = start(change, KEY, change_type="emergency", summary="hotfix")
    complete(change, iid, "Task_ecab_review", reason="outage", decision="reject")
    ended(change, iid, "End_ecab_rejected", "rejected")
