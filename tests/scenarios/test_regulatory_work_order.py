"""Regulatory work order: draft, pending_approval, assigned, in_progress, blocked, completed, closed.

It closes only with signed System Owner and QA approvals; a rejection returns it to in_progress."""

import pytest

from tests.conftest import signature
from tests.scenarios.flow import complete, deploy, ended, form_values, instance, open_tasks, start

KEY = "regulatory_work_order"
APPROVE = {"decision": "approve"}


@pytest.fixture
def people(admin, as_user):
    deploy(admin, "regulatory_work_order.bpmn")
    return {
        "planner": as_user("pat"),
        "supervisor": as_user("sue", groups=["supervisors"]),
        "tech": as_user("tom"),
        "owner": as_user("olga", groups=["System Owner"]),
        "qa": as_user("quinn", groups=["QA"]),
        "admin": admin,
    }


def _to_work(p) -> str:
    iid = start(p["planner"], KEY, title="Calibrate line 3 scale", estimated_hours=4)
    complete(p["planner"], iid, "Task_draft")
    complete(p["supervisor"], iid, "Task_approve_order", decision="approve")
    complete(p["supervisor"], iid, "Task_assign", technician="tom")
    return iid


def _lifecycle(api, iid) -> str:
    body = instance(api, iid)
    return body["active_elements"]


def test_the_order_goes_through_its_lifecycle_and_closes_with_two_signatures(people):
    p = people
    iid = _to_work(p)
    assert [t["assignee"] for t in open_tasks(p["tech"], iid)] == ["tom"]
    complete(p["tech"], iid, "Task_work", blocked=True)
    complete(p["supervisor"], iid, "Task_unblock", resolution="spare part delivered")
    assert form_values(p["tech"], iid, "Task_work")["blocked"] is None
    complete(p["tech"], iid, "Task_work", blocked=False)
    complete(p["owner"], iid, "Task_owner_signoff", signed="approve")
    complete(p["qa"], iid, "Task_qa_signoff", signed="approve")
    ended(p["admin"], iid, "End_closed", "closed")
    verified = p["admin"].get(f"/instances/{iid}/signatures/verify").json
    assert verified["ok"] and [s["role"] for s in verified["signatures"]] == ["System Owner", "QA"]


def test_a_qa_rejection_returns_the_order_to_in_progress_with_the_reason(people):
    p = people
    iid = _to_work(p)
    complete(p["tech"], iid, "Task_work", blocked=False)
    complete(p["owner"], iid, "Task_owner_signoff", signed="approve")
    complete(p["qa"], iid, "Task_qa_signoff", signed="reject", reason="no calibration record")
    assert _lifecycle(p["admin"], iid) == ["Task_work"]
    assert instance(p["admin"], iid)["variables"]["reason"] == "no calibration record"


def test_only_the_qa_group_may_sign_as_qa(people):
    p = people
    iid = _to_work(p)
    complete(p["tech"], iid, "Task_work", blocked=False)
    complete(p["owner"], iid, "Task_owner_signoff", signed="approve")
    task = open_tasks(p["admin"], iid)[0]
    refused = p["admin"].post(f"/tasks/{task['id']}/complete", json={"signature": signature(p["admin"])})
    assert refused.status_code == 403 and "QA" in refused.json["message"]


def test_a_rejected_draft_goes_back_to_its_author_with_the_reason(people):
    p = people
    iid = start(p["planner"], KEY, title="Replace filter")
    complete(p["planner"], iid, "Task_draft")
    complete(p["supervisor"], iid, "Task_approve_order", decision="reject", reason="no risk assessment")
    assert [(t["element_id"], t["assignee"]) for t in open_tasks(p["planner"], iid)] == [
        ("Task_draft", "pat")
    ]
    assert instance(p["planner"], iid)["variables"]["reason"] == "no risk assessment"


def test_rejecting_the_work_order_without_a_reason_is_a_400_as_in_the_inbox(people):
    # The inbox refused it ("Give a reason for rejecting"); the API took it, and the drafter got
    # the draft back with no word of why, and the audit trail no why for the decision.
    p = people
    iid = start(p["planner"], KEY, title="Replace filter")
    complete(p["planner"], iid, "Task_draft")
    task = open_tasks(p["supervisor"], iid)[0]
    body = {"variables": {"decision": "reject"}}
    refused = p["supervisor"].post(f"/tasks/{task['id']}/complete", json=body)
    assert refused.status_code == 400 and refused.json["details"]["field"] == "reason"
    assert "rejection" in refused.json["message"]
    assert [t["element_id"] for t in open_tasks(p["supervisor"], iid)] == ["Task_approve_order"]


def test_four_eyes_keep_the_drafter_from_approving_and_the_technician_from_signing(people, as_user):
    p = people
    both = as_user("bea", groups=["supervisors", "System Owner"])
    iid = start(both, KEY, title="Replace seal", estimated_hours=1)
    complete(both, iid, "Task_draft")
    approval = open_tasks(both, iid)[0]
    refused = both.post(f"/tasks/{approval['id']}/complete", json={"variables": APPROVE})
    assert refused.status_code == 403 and "you started this case" in refused.json["message"]
    complete(p["supervisor"], iid, "Task_approve_order", **APPROVE)
    complete(p["supervisor"], iid, "Task_assign", technician="bea")
    complete(both, iid, "Task_work", blocked=False)
    signoff = open_tasks(p["owner"], iid)[0]
    body = {"variables": {}, "signature": signature(both)}
    refused = both.post(f"/tasks/{signoff['id']}/complete", json=body)
    assert refused.status_code == 403 and "you completed 'Carry out work'" in refused.json["message"]
    complete(p["owner"], iid, "Task_owner_signoff", signed="approve")
    assert [t["element_id"] for t in open_tasks(p["qa"], iid)] == ["Task_qa_signoff"]


def test_an_auditor_reads_one_orders_whole_trail_with_who_and_why(people):
    # Its decisions are entries about its tasks; /audit filtered by object only by one task id or
    # the instance's own id (which gave the start alone), so one order's trail took a call per task.
    p = people
    other = start(p["planner"], KEY, title="Another order")
    iid = _to_work(p)
    complete(p["tech"], iid, "Task_work", blocked=False)
    complete(p["owner"], iid, "Task_owner_signoff", signed="reject", reason="torque not recorded")
    trail = p["admin"].get(f"/audit?instance_id={iid}&limit=100").json
    said = [(e["action"], e["actor"], e["reason"]) for e in reversed(trail["items"])]
    assert said[0] == ("instance.start", "pat", None)
    assert ("task.sign", "olga", "torque not recorded") in said
    assert ("task.complete", "olga", "torque not recorded") in said
    assert [a for a, actor, _ in said if a == "task.complete"] == ["task.complete"] * 5
    assert trail["total"] == len(said) and other not in {e["object_id"] for e in trail["items"]}
    refused = p["admin"].get("/audit?instance_id=nope")
    assert refused.status_code == 400 and "instance_id" in refused.json["message"]


def test_the_supervisor_records_how_the_blocker_was_resolved_and_the_work_goes_on(people):
    # The supervisor's task asked "Still blocked" (required yes/no), yet the order went back to
    # the technician whatever the answer: a "yes" unblocked it all the same.
    p = people
    iid = _to_work(p)
    complete(p["tech"], iid, "Task_work", blocked=True)
    (task,) = open_tasks(p["supervisor"], iid)
    form = p["supervisor"].get(f"/tasks/{task['id']}/form").json
    assert [(f["id"], f["type"], f["validation"]) for f in form["fields"]] == [
        ("resolution", "string", {"required": True})
    ]
    refused = p["supervisor"].post(f"/tasks/{task['id']}/complete", json={"variables": {}})
    assert refused.status_code == 400 and "resolution" in refused.json["details"]["fields"]
    complete(p["supervisor"], iid, "Task_unblock", resolution="permit issued")
    assert _lifecycle(p["admin"], iid) == ["Task_work"]
    assert form_values(p["tech"], iid, "Task_work")["blocked"] is None  # the technician answers afresh
    assert instance(p["admin"], iid)["variables"]["resolution"] == "permit issued"


def test_whoever_raised_the_order_cannot_give_its_qa_signature(people, as_user):
    # QA kept out the technician and the System Owner who signed, but not the order's originator:
    # a QA member who raised an order could release it with their own QA signature.
    p = people
    quinn = p["qa"]
    iid = start(quinn, KEY, title="Change line 2 recipe")
    complete(quinn, iid, "Task_draft")
    complete(p["supervisor"], iid, "Task_approve_order", **APPROVE)
    complete(p["supervisor"], iid, "Task_assign", technician="tom")
    complete(p["tech"], iid, "Task_work", blocked=False)
    complete(p["owner"], iid, "Task_owner_signoff", signed="approve")
    signoff = open_tasks(p["admin"], iid)[0]
    body = {"signature": signature(quinn)}
    refused = quinn.post(f"/tasks/{signoff['id']}/complete", json=body)
    assert refused.status_code == 403 and "you started this case" in refused.json["message"]
    complete(as_user("quentin", groups=["QA"]), iid, "Task_qa_signoff", signed="approve")
    ended(p["admin"], iid, "End_closed", "closed")


def test_a_tasks_form_tells_a_rest_client_what_completing_it_asks(people):
    # A signed task's form said {"type": null}: a client learnt it had to ask for a password and a
    # decision only from the 400 its first completion got.
    p = people
    iid = start(p["planner"], KEY, title="Replace filter")
    complete(p["planner"], iid, "Task_draft")
    approval = p["supervisor"].get(f"/tasks/{open_tasks(p['supervisor'], iid)[0]['id']}/form").json
    assert (approval["signature_role"], approval["reason_to_reject"]) == (None, True)
    complete(p["supervisor"], iid, "Task_approve_order", **APPROVE)
    complete(p["supervisor"], iid, "Task_assign", technician="tom")
    complete(p["tech"], iid, "Task_work", blocked=False)
    signoff = p["owner"].get(f"/tasks/{open_tasks(p['owner'], iid)[0]['id']}/form").json
    assert signoff["type"] is None and signoff["signature_role"] == "System Owner"
    assert signoff["reason_required"] is False
