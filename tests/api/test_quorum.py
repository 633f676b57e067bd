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
