"""Quorum approvals (k of n) through the API: approved as soon as k approve, rejected as soon as k
can no longer be reached; "all must approve, one rejection tolerated" is k = n - 1.

The votes are counted by camunda:outputParameter on the multi-instance user task
(`approvals = ${approved ? approvals + 1 : approvals}`), which needs parallel instances to see
each other's writes as Camunda does (app/engine/multi_instance.py)."""

import pytest

from tests.conftest import DATA
from tests.scenarios.flow import ended, instance, open_tasks, start

BOARD = ["finance", "operations", "engineering"]


@pytest.fixture
def board(admin):
    deployed = admin.deploy(DATA / "quorum" / "board_vote.bpmn")
    assert deployed.status_code == 201, deployed.json
    return admin


def vote(api, iid, member: str, approved: bool) -> None:
    task = next(t for t in open_tasks(api, iid) if t["candidate_groups"] == [member])
    body = {"variables": {"approved": approved}}
    assert api.post(f"/tasks/{task['id']}/complete", json=body).status_code == 200


def waiting_for(api, iid) -> list[str]:
    return sorted(g for t in open_tasks(api, iid) for g in t["candidate_groups"])


@pytest.mark.parametrize(
    ("votes", "outcome"),
    [
        ([True, True], "approved"),  # 2 of 3 approve: the third is withdrawn
        ([False, True, True], "approved"),  # one rejection does not stop a quorum
        ([True, False, False], "rejected"),  # two rejections: 2 of 3 is out of reach
        ([False, False], "rejected"),  # decided before the third votes
    ],
)
def test_two_of_three_ends_as_soon_as_the_outcome_is_certain(board, votes, outcome):
    iid = start(board, "board_vote", board=BOARD, needed=2)
    for member, approved in zip(BOARD, votes, strict=False):
        assert member in waiting_for(board, iid)
        vote(board, iid, member, approved)
    assert waiting_for(board, iid) == []
    body = ended(board, iid, f"End_{outcome}", outcome)
    variables = body["variables"]
    assert (variables["approvals"], variables["rejections"]) == (votes.count(True), votes.count(False))


@pytest.mark.parametrize(
    ("votes", "outcome"),
    [
        ([True, True, True], "approved"),  # the fourth vote cannot change it
        ([True, False, True, True], "approved"),  # the one tolerated rejection
        ([False, True, False], "rejected"),  # a second rejection ends it
    ],
)
def test_all_must_approve_but_one_rejection_is_tolerated(board, votes, outcome):
    members = [*BOARD, "legal"]
    iid = start(board, "board_vote", board=members, needed=len(members) - 1)
    for member, approved in zip(members, votes, strict=False):
        vote(board, iid, member, approved)
    ended(board, iid, f"End_{outcome}", outcome)


def test_an_undecided_vote_keeps_the_others_open(board):
    iid = start(board, "board_vote", board=BOARD, needed=2)
    vote(board, iid, "operations", True)
    vote(board, iid, "engineering", False)
    assert waiting_for(board, iid) == ["finance"]
    assert instance(board, iid)["status"] == "waiting"


def test_a_vote_withdrawn_by_the_quorum_has_its_escalation_cancelled_with_it(admin):
    """The third vote, withdrawn when two approve, no longer waits for its escalation to fall due
    (then to end as cancelled): its job is cancelled in the transaction that withdraws it."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models import Job, UserTask

    assert admin.deploy(DATA / "quorum" / "board_vote_escalated.bpmn").status_code == 201
    iid = start(admin, "board_vote_escalated", board=BOARD, needed=2)

    def escalations() -> dict[str, str]:
        jobs = db.session.execute(select(Job).where(Job.instance_id == iid, Job.kind == "escalation"))
        groups = {t.id: t.candidate_groups[0] for t in db.session.execute(select(UserTask)).scalars()}
        return {groups[job.task_id]: job.status for job in jobs.scalars()}

    assert escalations() == {member: "pending" for member in BOARD}
    vote(admin, iid, "finance", True)
    assert escalations()["engineering"] == "pending"  # still to vote
    vote(admin, iid, "operations", True)
    ended(admin, iid, "End_approved", "approved")
    assert escalations() == {member: "cancelled" for member in BOARD}


def test_on_sqlite_too_a_withdrawn_vote_has_its_escalation_cancelled(sqlite_app, sqlite_admin):
    """The embedded default closes tasks through the ORM's path, not the held-back writes."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models import Job

    assert sqlite_admin.deploy(DATA / "quorum" / "board_vote_escalated.bpmn").status_code == 201
    iid = start(sqlite_admin, "board_vote_escalated", board=BOARD, needed=2)
    vote(sqlite_admin, iid, "finance", True)
    vote(sqlite_admin, iid, "operations", True)
    with sqlite_app.app_context():
        statuses = db.session.execute(select(Job.status).where(Job.kind == "escalation")).scalars().all()
        assert sorted(statuses) == ["cancelled"] * 3


def test_a_camunda_8_completion_condition_counts_with_zeebes_number_of_instances(admin):
    """Zeebe names the counters numberOfInstances, numberOfCompletedInstances...: with only Camunda
    7's names given, `=numberOfCompletedInstances / numberOfInstances >= 0.5` was null, never true,
    and a half-decides vote of four waited for all four."""
    assert admin.deploy(DATA / "quorum" / "zeebe_majority.bpmn").status_code == 201
    members = ["finance", "operations", "engineering", "legal"]
    iid = start(admin, "zeebe_majority", approvers=members)
    vote(admin, iid, "legal", True)
    assert waiting_for(admin, iid) == ["engineering", "finance", "operations"]
    vote(admin, iid, "finance", False)
    assert [t["element_id"] for t in open_tasks(admin, iid)] == ["tally"]
    assert instance(admin, iid)["variables"]["votes"] == [False, None, None, True]


def test_a_camunda_8_completion_condition_that_gives_no_boolean_refuses_the_vote_naming_it(admin):
    """Zeebe takes a completion condition that is not true or false for an incident; Baton took a
    null (a misspelt counter) for false, and the vote quietly waited for every voter."""
    model = (DATA / "quorum" / "zeebe_majority.bpmn").read_text()
    misspelt = model.replace("=numberOfCompletedInstances /", "=numberOfCompletedInstance /")
    assert admin.deploy_bytes({"zeebe_majority.bpmn": misspelt.encode()}).status_code == 201
    iid = start(admin, "zeebe_majority", approvers=["finance", "operations"])
    task = next(t for t in open_tasks(admin, iid) if t["candidate_groups"] == ["finance"])
    refused = admin.post(f"/tasks/{task['id']}/complete", json={"variables": {"approved": True}})
    assert refused.status_code == 422, refused.json
    assert "completion condition of 'vote'" in refused.json["message"]
    assert "to be 'BOOLEAN', but was 'NULL'" in refused.json["message"]
    assert waiting_for(admin, iid) == ["finance", "operations"]  # nothing was written


def test_a_vote_withdrawn_by_an_event_subprocess_leaves_no_voters_locals_in_the_process(admin):
    """An interrupting event subprocess took the process's variables from every open task's own
    data: the open votes' element variable and loopCounter became process variables, and their
    empty local `note` (an input mapping) replaced the requester's."""
    assert admin.deploy(DATA / "quorum" / "board_vote_withdrawn.bpmn").status_code == 201
    iid = start(admin, "board_vote_withdrawn", board=BOARD, needed=2, note="from the requester")
    vote(admin, iid, "finance", True)
    withdrawn = admin.post(
        "/messages", json={"name": "withdraw", "correlation": {"note": "from the requester"}}
    )
    assert withdrawn.status_code == 200, withdrawn.json
    assert [t["element_id"] for t in open_tasks(admin, iid)] == ["Task_withdrawn"]
    variables = instance(admin, iid)["variables"]
    assert not {"member", "loopCounter"} & set(variables), variables
    assert variables["note"] == "from the requester"
    assert (variables["approvals"], variables["rejections"]) == (1, 0)  # the vote cast stays


def test_the_vote_s_history_names_its_body_as_its_votes(board):
    """The multi-instance body's row (the vote as a whole) had no name: a history read as a list of
    'Vote' rows and one nameless one."""
    iid = start(board, "board_vote", board=BOARD, needed=2)
    vote(board, iid, BOARD[0], True)
    vote(board, iid, BOARD[1], True)
    rows = [r for r in board.get(f"/instances/{iid}/history").json["items"] if r["element_id"] == "Task_vote"]
    assert len(rows) == 4 and {r["name"] for r in rows} == {"Vote"}
