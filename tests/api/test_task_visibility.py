"""Who sees a task and who works it: every door (list, get, claim, complete, unclaim, delegate)
answers by one rule. A candidate sees a task a colleague holds; only the holder (or an admin) works it."""

import pytest

from app.services import identity
from tests.conftest import DATA, ROOT

SECURITY = DATA / "security"


@pytest.fixture
def review(admin, as_user):
    """A review offered to the reviewers group, claimed by alice; bob is a reviewer too."""
    assert admin.deploy(DATA / "simple" / "two_steps.bpmn").status_code == 201
    task_id = admin.post("/process-definitions/two_steps/instances", json={}).json["tasks"][0]["id"]
    alice, bob = as_user("alice", groups=["reviewers"]), as_user("bob", groups=["reviewers"])
    assert alice.post(f"/tasks/{task_id}/claim").status_code == 200
    return task_id, alice, bob


def test_a_candidate_reads_a_task_a_colleague_holds_as_the_list_shows_it(review):
    task_id, _, bob = review
    listed = bob.get("/tasks").json["items"]
    alone = bob.get(f"/tasks/{task_id}")
    assert alone.status_code == 200 and listed == [alone.json]
    assert alone.json["assignee"] == "alice"


def test_only_the_holder_works_a_claimed_task_the_others_get_a_409_naming_her(review):
    task_id, alice, bob = review
    for action, body in (("claim", None), ("complete", {}), ("unclaim", None), ("delegate", {"to": "bob"})):
        refused = bob.post(f"/tasks/{task_id}/{action}", json=body)
        assert refused.status_code == 409, (action, refused.json)
        assert "already claimed by alice" in refused.json["message"], action
    assert alice.post(f"/tasks/{task_id}/complete", json={}).status_code == 200


def test_a_completed_task_stays_readable_to_the_candidates_who_list_it(review):
    task_id, alice, bob = review
    alice.post(f"/tasks/{task_id}/complete", json={})
    assert [t["id"] for t in bob.get("/tasks?status=completed").json["items"]] == [task_id]
    assert bob.get(f"/tasks/{task_id}").json["completed_by"] == "alice"


def test_someone_outside_the_offer_still_sees_nothing(review, as_user):
    task_id, _, _ = review
    outsider = as_user("olga")
    assert outsider.get("/tasks").json["total"] == 0
    assert outsider.get(f"/tasks/{task_id}").status_code == 403


def test_a_task_the_process_assigned_is_not_unclaimed_into_everyones_pool(admin, as_user):
    assert admin.deploy(ROOT / "bpmn" / "regulatory_work_order.bpmn").status_code == 201
    pat, sue = as_user("pat"), as_user("sue", groups=["supervisors"])
    started = pat.post(
        "/process-definitions/regulatory_work_order/instances", json={"variables": {"title": "WO"}}
    )
    draft = started.json["tasks"][0]
    assert (draft["element_id"], draft["assignee"], draft["offered_to_all"]) == ("Task_draft", "pat", False)
    refused = pat.post(f"/tasks/{draft['id']}/unclaim")
    assert refused.status_code == 409
    assert "has no group to go back to; delegate it instead" in refused.json["message"]
    assert pat.get(f"/tasks/{draft['id']}").json["assignee"] == "pat"
    assert sue.get("/tasks?definition_key=regulatory_work_order").json["total"] == 0


def test_an_open_task_goes_back_to_everyone_when_unclaimed(admin, as_user):
    admin.deploy(SECURITY / "open_task.bpmn")
    task_id = admin.post("/process-definitions/open_task/instances", json={}).json["tasks"][0]["id"]
    ann, ben = as_user("ann"), as_user("ben")
    assert ann.post(f"/tasks/{task_id}/claim").status_code == 200
    assert ben.get(f"/tasks/{task_id}").json["assignee"] == "ann"  # everyone is its candidate
    assert ann.post(f"/tasks/{task_id}/unclaim").json["assignee"] is None
    assert ben.post(f"/tasks/{task_id}/complete", json={}).status_code == 200


def test_a_task_is_delegated_only_to_someone_who_works_on_tasks(review, as_user):
    task_id, alice, _ = review
    as_user("mo", roles="modeler")
    identity.create_user("zed", roles="user", tenant_id="other")
    for name in ("mo", "nobody", "zed"):
        refused = alice.post(f"/tasks/{task_id}/delegate", json={"to": name})
        assert refused.status_code == 400, (name, refused.json)
        assert f"'{name}'" in refused.json["message"] and refused.json["details"]["field"] == "to"
    as_user("ops", roles="operator,user")
    assert alice.post(f"/tasks/{task_id}/delegate", json={"to": "ops"}).json["assignee"] == "ops"


@pytest.fixture
def routed(admin):
    assert admin.deploy(SECURITY / "routed_review.bpmn").status_code == 201

    def start(**variables) -> tuple[str, dict, list[str]]:
        variables = {"approverGroups": ["reviewers"], "due": "P1D", "urgency": 60, **variables}
        variables = {name: value for name, value in variables.items() if value is not None}
        started = admin.post("/process-definitions/routed_review/instances", json={"variables": variables})
        assert started.status_code == 201, started.json
        incidents = admin.get("/incidents", query_string={"instance_id": started.json["id"]}).json["items"]
        return started.json["id"], started.json["tasks"][0], [i["message"] for i in incidents]

    return start


@pytest.mark.parametrize(
    ("variables", "failed"),
    [({"due": "next week"}, "dueDate failed"), ({"urgency": "high"}, "priority failed")],
)
def test_a_failing_due_date_or_priority_keeps_the_tasks_groups(routed, as_user, variables, failed):
    _, task, incidents = routed(**variables)
    assert task["candidate_groups"] == ["reviewers"]
    assert len(incidents) == 1 and failed in incidents[0] and "Review claim" in incidents[0]
    assert as_user("rita", groups=["reviewers"]).get(f"/tasks/{task['id']}").status_code == 200
    assert as_user("olga").get(f"/tasks/{task['id']}").status_code == 403


@pytest.mark.parametrize(
    ("groups", "why"),
    [([], "candidateGroups evaluated to nobody"), (None, "candidateGroups failed")],  # None: not set
)
def test_a_task_whose_groups_came_to_nobody_is_for_operators_to_hand_on(routed, as_user, groups, why):
    _, task, incidents = routed(approverGroups=groups)
    assert len(incidents) == 1 and why in incidents[0], incidents
    assert task["candidate_groups"] == [] and not task["offered_to_all"]
    anyone = as_user("olga")
    assert anyone.get("/tasks").json["total"] == 0
    assert anyone.get(f"/tasks/{task['id']}").status_code == 403
    assert anyone.post(f"/tasks/{task['id']}/complete", json={}).status_code == 403
    operator = as_user("otto", roles="operator")
    assert [t["id"] for t in operator.get("/tasks").json["items"]] == [task["id"]]
    handed = operator.post(f"/tasks/{task['id']}/delegate", json={"to": "olga"})
    assert handed.status_code == 200 and handed.json["assignee"] == "olga"
    assert operator.get("/tasks").json["total"] == 0  # handed on: no longer waiting for someone
    assert anyone.post(f"/tasks/{task['id']}/complete", json={}).status_code == 200


def test_camundas_invoice_with_no_approver_group_waits_for_an_operator(admin, as_user):
    from tests.api.test_camunda_examples import INVOICE, START

    admin.deploy(
        INVOICE / "invoice.v2.bpmn", INVOICE / "reviewInvoice.bpmn", INVOICE / "invoiceBusinessDecisions.dmn"
    )
    # No rule of invoice-assign-approver matches this category: approverGroups = [].
    variables = {**START, "invoiceCategory": "Nothing we know"}
    started = admin.post("/process-definitions/invoice/instances", json={"variables": variables}).json
    assert started["variables"]["approverGroups"] == []
    incidents = admin.get("/incidents", query_string={"instance_id": started["id"]}).json["items"]
    assert ["candidateGroups evaluated to nobody" in i["message"] for i in incidents] == [True]
    assert as_user("clerk", groups=["accounting"]).get("/tasks").json["total"] == 0
    assert as_user("otto", roles="operator").get("/tasks").json["total"] == 1
