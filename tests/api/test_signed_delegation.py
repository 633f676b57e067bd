"""A task to be signed as a role goes only to who may sign it: a member of the group named like the role."""

from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import DATA

NOW = datetime.now(UTC)
WINDOW = {
    "starts_at": (NOW - timedelta(days=1)).isoformat(),
    "ends_at": (NOW + timedelta(days=1)).isoformat(),
}


@pytest.fixture
def qa_task(admin, as_user):
    assert admin.deploy(DATA / "security" / "signed_approval.bpmn").status_code == 201
    iid = admin.post("/process-definitions/signed_approval/instances", json={}).json["id"]
    as_user("dave"), as_user("quentin", groups=["QA"])
    quinn = as_user("quinn", groups=["QA"])
    return quinn, quinn.get(f"/tasks?instance_id={iid}").json["items"][0]["id"]


def test_a_signed_task_is_not_delegated_to_someone_outside_the_role(admin, qa_task):
    quinn, task_id = qa_task
    for api in (quinn, admin):
        refused = api.post(f"/tasks/{task_id}/delegate", json={"to": "dave"})
        assert refused.status_code == 400 and refused.json["details"]["role"] == "QA"
        assert refused.json["message"] == (
            "task 'QA approval' is signed as 'QA': dave is not a member of the group 'QA'"
        )
    assert admin.get(f"/tasks/{task_id}").json["assignee"] is None
    assert quinn.post(f"/tasks/{task_id}/delegate", json={"to": "quentin"}).status_code == 200


def test_out_of_office_does_not_route_a_signed_task_to_someone_outside_the_role(qa_task):
    quinn, _ = qa_task
    refused = quinn.post("/delegations", json={"delegate": "dave", **WINDOW})
    assert refused.status_code == 400, refused.json
    assert refused.json["details"]["field"] == "delegate" and refused.json["details"]["role"] == "QA"
    assert "'QA'" in refused.json["message"] and "dave" in refused.json["message"]
    assert quinn.get("/delegations").json["items"] == []
    assert quinn.post("/delegations", json={"delegate": "quentin", **WINDOW}).status_code == 201


def test_a_delegate_outside_the_role_does_not_claim_a_signed_task_that_came_later(admin, as_user):
    quinn, tess = as_user("quinn", groups=["QA"]), as_user("tess")
    assert quinn.post("/delegations", json={"delegate": "tess", **WINDOW}).status_code == 201  # none yet
    assert admin.deploy(DATA / "security" / "signed_approval.bpmn").status_code == 201
    iid = admin.post("/process-definitions/signed_approval/instances", json={}).json["id"]
    task_id = tess.get(f"/tasks?instance_id={iid}").json["items"][0]["id"]  # routed to her: she sees it
    refused = tess.post(f"/tasks/{task_id}/claim")
    assert refused.status_code == 403 and refused.json["details"]["role"] == "QA"
    assert (
        refused.json["message"]
        == "task 'QA approval' is signed as 'QA': tess is not a member of the group 'QA'"
    )
    assert admin.get(f"/tasks/{task_id}").json["assignee"] is None
