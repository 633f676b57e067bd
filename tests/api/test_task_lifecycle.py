"""Working a task follows one rule at every door: a suspended case's tasks are not claimed, handed
back or on; a colleague's task shows no form; a signature and a decision variable must agree."""

import pytest

from tests.conftest import DATA, signature


@pytest.fixture
def review(admin, as_user):
    """A review offered to the reviewers, alice and bob among them."""
    assert admin.deploy(DATA / "simple" / "two_steps.bpmn").status_code == 201
    started = admin.post("/process-definitions/two_steps/instances", json={}).json
    alice, bob = as_user("alice", groups=["reviewers"]), as_user("bob", groups=["reviewers"])
    return started["id"], started["tasks"][0]["id"], alice, bob


def _refused_as_suspended(answer) -> None:
    assert answer.status_code == 409, answer.json
    assert "suspended" in answer.json["message"]


def test_a_suspended_cases_task_is_neither_claimed_nor_unclaimed_nor_delegated(review, admin):
    instance_id, task_id, alice, bob = review
    assert alice.post(f"/tasks/{task_id}/claim").status_code == 200
    assert admin.post(f"/instances/{instance_id}/suspend").status_code == 200
    _refused_as_suspended(alice.post(f"/tasks/{task_id}/unclaim"))
    _refused_as_suspended(alice.post(f"/tasks/{task_id}/delegate", json={"to": "bob"}))
    assert bob.get(f"/tasks/{task_id}").json["assignee"] == "alice"
    assert admin.get("/audit?action=task.unclaim").json["total"] == 0


def test_an_unclaimed_task_of_a_suspended_case_is_not_claimed(review, admin):
    instance_id, task_id, alice, _ = review
    assert admin.post(f"/instances/{instance_id}/suspend").status_code == 200
    _refused_as_suspended(alice.post(f"/tasks/{task_id}/claim"))
    assert admin.post(f"/instances/{instance_id}/resume").status_code == 200
    assert alice.post(f"/tasks/{task_id}/claim").json["assignee"] == "alice"


def test_a_colleagues_task_shows_its_form_to_its_holder_only(review, admin):
    _, task_id, alice, bob = review
    assert alice.post(f"/tasks/{task_id}/claim").status_code == 200
    refused = bob.get(f"/tasks/{task_id}/form")
    assert refused.status_code == 403 and "alice" in refused.json["message"], refused.json
    assert alice.get(f"/tasks/{task_id}/form").status_code == 200
    assert admin.get(f"/tasks/{task_id}/form").status_code == 200
    assert bob.get(f"/tasks/{task_id}").status_code == 200  # seeing stays


@pytest.fixture
def release(admin, as_user):
    assert admin.deploy(DATA / "inbox" / "signed_release.bpmn").status_code == 201
    started = admin.post("/process-definitions/signed_release/instances", json={}).json
    return started["id"], started["tasks"][0]["id"], as_user("quinn", groups=["QA"])


def test_a_decision_variable_that_contradicts_the_signature_is_a_400_naming_both(release, admin):
    instance_id, task_id, quinn = release
    body = {"variables": {"batch": "B1", "decision": "reject"}, "signature": signature(quinn)}
    refused = quinn.post(f"/tasks/{task_id}/complete", json=body)
    assert refused.status_code == 400, refused.json
    assert set(refused.json["details"]["fields"]) == {"variables.decision", "signature.decision"}
    assert quinn.get(f"/tasks/{task_id}").json["status"] == "open"
    assert admin.get(f"/instances/{instance_id}/signatures").json["total"] == 0


def test_a_decision_variable_that_matches_the_signature_is_fine(release):
    _, task_id, quinn = release
    body = {"variables": {"batch": "B1", "decision": "approve"}, "signature": signature(quinn)}
    assert quinn.post(f"/tasks/{task_id}/complete", json=body).status_code == 200


def test_a_signature_sent_to_a_task_that_asks_for_none_is_refused_not_dropped(review, admin):
    """Its sender believes they signed; nothing would say otherwise, and no signature is kept."""
    instance_id, task_id, alice, _ = review
    refused = alice.post(f"/tasks/{task_id}/complete", json={"signature": signature(alice)})
    assert refused.status_code == 400 and refused.json["details"]["field"] == "signature"
    assert "asks for no signature" in refused.json["message"]
    assert alice.get(f"/tasks/{task_id}").json["status"] == "open"
    assert alice.post(f"/tasks/{task_id}/complete", json={}).status_code == 200
