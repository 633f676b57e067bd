"""Purchase-order approval: DMN routing at run time, four approval modes, rejection back to the requester."""

import pytest

from tests.due_jobs import claimed
from tests.scenarios.flow import ROOT, complete, deploy, ended, instance, open_tasks, start

KEY = "purchase_order_approval"
YES = {"decision": "approve"}
NO = {"decision": "reject"}


@pytest.fixture
def po(admin):
    deploy(admin, "purchase_order_approval.bpmn", "purchase_order_routing.dmn")
    return admin


@pytest.fixture
def board(as_user):
    """One member per board seat: each casts one vote of a round (the quorum task's notBy)."""
    return [
        as_user(f"board-{seat}", groups=[f"board-{seat}"])
        for seat in ("engineering", "finance", "operations")
    ]


def _groups(api, iid) -> list[str]:
    return sorted(g for t in open_tasks(api, iid) for g in t["candidate_groups"])


def test_a_small_order_needs_only_the_manager_and_is_placed(po):
    iid = start(po, KEY, amount=800, department="Sales")
    assert _groups(po, iid) == ["managers"]
    complete(po, iid, "Task_approve_sequential", reason="within budget", **YES)
    complete(po, iid, "Task_place_order")
    ended(po, iid, "End_ordered", "ordered")


def test_a_large_engineering_order_goes_to_manager_cfo_and_cto_in_turn(po):
    iid = start(po, KEY, amount=25_000, department="Engineering", approval_mode="sequential")
    assert instance(po, iid)["variables"]["approvers"] == ["managers", "cfo", "cto"]
    for group in ("managers", "cfo", "cto"):
        assert _groups(po, iid) == [group]
        complete(po, iid, "Task_approve_sequential", reason="ok", **YES)
    complete(po, iid, "Task_place_order")
    ended(po, iid, "End_ordered", "ordered")


def test_parallel_approval_offers_all_at_once_and_high_risk_adds_compliance(po):
    iid = start(po, KEY, amount=12_000, department="Engineering", risk="high", approval_mode="parallel")
    assert _groups(po, iid) == ["cfo", "cto", "managers"]
    for _ in range(3):
        running = instance(po, iid)  # the process's own view: no approver's loop variables or votes
        assert running["active_elements"] == ["Task_approve_parallel"], running["active_elements"]
        assert not {"approver", "loopCounter", "decision"} & set(running["variables"])
        complete(po, iid, "Task_approve_parallel", reason="ok", **YES)
    assert [t["element_id"] for t in open_tasks(po, iid)] == ["Task_compliance"]
    complete(po, iid, "Task_compliance", reason="supplier vetted", **YES)
    complete(po, iid, "Task_place_order")
    ended(po, iid, "End_ordered", "ordered")


def test_a_quorum_of_two_board_members_approves_and_the_third_is_withdrawn(po, board):
    iid = start(po, KEY, amount=50_000, department="Sales", approval_mode="quorum")
    assert _groups(po, iid) == ["board-engineering", "board-finance", "board-operations"]
    complete(board[0], iid, "Task_approve_quorum", reason="ok", **YES)
    assert len(open_tasks(po, iid)) == 2
    complete(board[1], iid, "Task_approve_quorum", reason="ok", **YES)
    assert [t["element_id"] for t in open_tasks(po, iid)] == ["Task_place_order"]


def test_one_person_on_two_board_seats_casts_one_vote(po, board, as_user):
    iid = start(po, KEY, amount=50_000, department="Sales", approval_mode="quorum")
    both = as_user("fin-ops", groups=["board-finance", "board-operations"])
    complete(both, iid, "Task_approve_quorum", reason="ok", **YES)
    [other_seat] = open_tasks(both, iid)
    refused = both.post(f"/tasks/{other_seat['id']}/complete", json={"variables": YES, "reason": "ok"})
    assert refused.status_code == 403, refused.json
    assert "you completed another 'Approve (2 of 3)' of this round" in refused.json["message"]
    complete(board[0], iid, "Task_approve_quorum", reason="ok", **YES)
    assert [t["element_id"] for t in open_tasks(po, iid)] == ["Task_place_order"]


def test_one_board_rejection_is_outvoted_by_two_approvals(po, board):
    iid = start(po, KEY, amount=50_000, department="Sales", approval_mode="quorum")
    complete(board[0], iid, "Task_approve_quorum", reason="too dear", **NO)
    assert len(open_tasks(po, iid)) == 2  # 2 of 3 can still be reached
    complete(board[1], iid, "Task_approve_quorum", reason="ok", **YES)
    complete(board[2], iid, "Task_approve_quorum", reason="ok", **YES)
    assert [t["element_id"] for t in open_tasks(po, iid)] == ["Task_place_order"]
    assert instance(po, iid)["variables"]["rejections"] == 1


def test_two_board_rejections_return_the_order_before_the_third_votes(po, board, as_user):
    requester = as_user("rita", groups=[])
    iid = start(requester, KEY, amount=50_000, department="Sales", approval_mode="quorum")
    complete(board[0], iid, "Task_approve_quorum", reason="ok", **YES)
    complete(board[1], iid, "Task_approve_quorum", reason="no budget", **NO)
    assert len(open_tasks(po, iid)) == 1
    complete(board[2], iid, "Task_approve_quorum", reason="not now", **NO)
    assert [t["element_id"] for t in open_tasks(requester, iid)] == ["Task_revise"]
    complete(requester, iid, "Task_revise", resubmit=True)  # a new round counts from zero
    variables = instance(po, iid)["variables"]
    assert (variables["approvals"], variables["rejections"]) == (0, 0) and len(open_tasks(po, iid)) == 3


def test_the_first_response_wins(po):
    iid = start(po, KEY, amount=20_000, department="Sales", approval_mode="first")
    assert _groups(po, iid) == ["cfo", "managers"]
    complete(po, iid, "Task_approve_first", reason="ok", **YES)
    assert [t["element_id"] for t in open_tasks(po, iid)] == ["Task_place_order"]


def test_an_approval_without_a_reason_is_refused(po):
    iid = start(po, KEY, amount=800, department="Sales")
    task = open_tasks(po, iid)[0]
    refused = po.post(f"/tasks/{task['id']}/complete", json={"variables": YES})
    assert refused.status_code == 400 and "reason" in refused.json["message"]


def test_a_rejection_returns_to_the_requester_with_the_reason_and_can_be_withdrawn(po, as_user):
    requester = as_user("rita", groups=[])
    iid = start(requester, KEY, amount=30_000, department="Sales", approval_mode="parallel")
    complete(po, iid, "Task_approve_parallel", reason="too expensive", **NO)
    tasks = open_tasks(requester, iid)
    assert [(t["element_id"], t["assignee"]) for t in tasks] == [("Task_revise", "rita")]
    assert instance(po, iid)["variables"]["reason"] == "too expensive"
    complete(requester, iid, "Task_revise", resubmit=False)
    ended(po, iid, "End_withdrawn", "withdrawn")


def test_a_resubmitted_order_is_routed_again_by_the_new_amount(po, as_user):
    requester = as_user("rita")
    iid = start(requester, KEY, amount=30_000, department="Sales")
    complete(po, iid, "Task_approve_sequential", reason="ok", **YES)
    complete(po, iid, "Task_approve_sequential", reason="split it", **NO)
    complete(requester, iid, "Task_revise", resubmit=True, amount=9_000)
    assert _groups(po, iid) == ["managers"]
    complete(po, iid, "Task_approve_sequential", reason="ok", **YES)
    complete(po, iid, "Task_place_order")
    ended(po, iid, "End_ordered", "ordered")


def test_a_compliance_rejection_returns_to_the_requester(po):
    iid = start(po, KEY, amount=500, department="Sales", risk="high")
    complete(po, iid, "Task_approve_sequential", reason="ok", **YES)
    complete(po, iid, "Task_compliance", reason="sanctioned supplier", **NO)
    assert [t["element_id"] for t in open_tasks(po, iid)] == ["Task_revise"]


def test_an_approver_silent_for_two_days_is_chased_and_the_approval_stays_open(po):
    from sqlalchemy import select

    from app.extensions import db
    from app.models import Job
    from app.services import job_runs
    from app.services.calendars import calendar_named

    iid = start(po, KEY, amount=800, department="Sales")
    timer = db.session.execute(select(Job).where(Job.instance_id == iid, Job.kind == "timer")).scalar_one()
    # P2D in the model's calendar (businessCalendar=GB): two working days of 9 to 17 UTC.
    due = calendar_named("GB").add(timer.created_at, "P2D")
    assert abs((timer.due_at - due).total_seconds()) < 60
    assert job_runs.run_job(claimed(timer).id) == "fired"  # what the beat sweep does when it falls due
    assert sorted(t["element_id"] for t in open_tasks(po, iid)) == ["Task_approve_sequential", "Task_chase"]
    complete(po, iid, "Task_chase")
    complete(po, iid, "Task_approve_sequential", reason="sorry, was away", **YES)
    complete(po, iid, "Task_place_order")
    ended(po, iid, "End_ordered", "ordered")


def test_each_approver_decides_afresh_and_the_process_sees_the_outcome(po, as_user):
    """The CFO's form does not arrive with the manager's vote or reason; no decision is no answer."""
    requester = as_user("rita", groups=[])
    iid = start(requester, KEY, amount=25_000, department="Sales")
    complete(po, iid, "Task_approve_sequential", reason="manager: fine by me", **YES)
    cfo_task = open_tasks(po, iid)[0]
    assert cfo_task["candidate_groups"] == ["cfo"]
    form = po.get(f"/tasks/{cfo_task['id']}/form").json
    assert form["values"] == {"decision": None}
    assert [v["id"] for v in form["fields"][0]["values"]] == ["approve", "reject"]
    assert instance(po, iid)["variables"].get("reason") is None  # the manager's text stays with the manager
    silent = po.post(f"/tasks/{cfo_task['id']}/complete", json={"variables": {}, "reason": "hmm"})
    assert silent.status_code == 400 and silent.json["details"]["fields"] == {
        "decision": "This field is required."
    }
    complete(po, iid, "Task_approve_sequential", reason="cfo: over budget", **NO)
    variables = instance(po, iid)["variables"]
    assert variables["approved"] is False and variables["reason"] == "cfo: over budget"
    assert "decision" not in variables  # each vote is local to its approval
    assert [t["element_id"] for t in open_tasks(requester, iid)] == ["Task_revise"]


def test_changing_the_table_alone_changes_who_approves_new_orders(po):
    # `make run` deploys bpmn/ and dmn/ together; the table is redeployed on its own afterwards.
    routing = (ROOT / "dmn" / "purchase_order_routing.dmn").read_bytes()
    cheaper_cfo = routing.replace(b"<text>&gt; 10000</text>", b"<text>&gt; 5000</text>", 1)
    assert po.deploy_bytes({"purchase_order_routing.dmn": cheaper_cfo}).status_code == 201
    iid = start(po, KEY, amount=8_000, department="Sales", approval_mode="sequential")
    assert instance(po, iid)["variables"]["approvers"] == ["managers", "cfo"]
