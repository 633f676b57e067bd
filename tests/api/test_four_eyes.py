"""Four eyes: a task's `notBy` keeps the case's starter and whoever did the named tasks from it."""

import pytest

from tests.conftest import DATA

MODEL = DATA / "duties" / "four_eyes.bpmn"


@pytest.fixture
def case(admin, as_user):
    assert admin.deploy(MODEL).status_code == 201
    sam, dora, rita = (as_user(name, groups=["writers"]) for name in ("sam", "dora", "rita"))
    started = sam.post("/process-definitions/four_eyes/instances", json={})
    draft = started.json["tasks"][0]
    assert dora.post(f"/tasks/{draft['id']}/complete", json={}).status_code == 200
    review = rita.get(f"/tasks?instance_id={started.json['id']}").json["items"][0]
    assert review["element_id"] == "Task_review"
    return review["id"], sam, dora, rita


def test_the_starter_neither_claims_nor_completes_the_review(case):
    review, sam, _, _ = case
    for doing in ("claim", "complete"):
        refused = sam.post(f"/tasks/{review}/{doing}", **({"json": {}} if doing == "complete" else {}))
        assert refused.status_code == 403, doing
        assert refused.json["message"] == (
            f"four eyes: you started this case, so someone else must {doing} 'Review'"
        )
    assert sam.get(f"/tasks/{review}").json["status"] == "open"  # still theirs to see


def test_whoever_did_the_named_task_cannot_review_it(case):
    review, _, dora, _ = case
    refused = dora.post(f"/tasks/{review}/complete", json={})
    assert refused.status_code == 403 and "you completed 'Draft' in this case" in refused.json["message"]


def test_a_third_person_reviews(case):
    review, _, _, rita = case
    assert rita.post(f"/tasks/{review}/claim").status_code == 200
    assert rita.post(f"/tasks/{review}/complete", json={}).status_code == 200


def test_the_review_is_not_delegated_to_someone_the_rule_keeps_from_it(case):
    review, _, _, rita = case
    refused = rita.post(f"/tasks/{review}/delegate", json={"to": "sam"})
    assert refused.status_code == 400
    assert refused.json["message"] == "four eyes: sam started this case, so the task cannot go to them"
    assert rita.post(f"/tasks/{review}/delegate", json={"to": "rita"}).status_code == 200


def test_a_not_by_naming_no_user_task_is_refused_at_deploy(admin):
    model = MODEL.read_text().replace("starter, Task_draft", "starter, Task_drfat")
    refused = admin.deploy_bytes({"four_eyes.bpmn": model.encode()})
    assert refused.status_code == 400
    assert "notBy names 'Task_drfat'" in refused.json["message"]
    assert refused.json["details"]["element_id"] == "Task_review"


def test_the_form_opens_only_for_someone_four_eyes_allow(case):
    review, sam, _, rita = case
    refused = sam.get(f"/tasks/{review}/form")
    assert refused.status_code == 403 and "you started this case" in refused.json["message"]
    assert rita.get(f"/tasks/{review}/form").status_code == 200


def _away(user, delegate):
    from datetime import UTC, datetime, timedelta

    now = datetime.now(UTC)
    window = {
        "starts_at": (now - timedelta(days=1)).isoformat(),
        "ends_at": (now + timedelta(days=1)).isoformat(),
    }
    assert user.post("/delegations", json={"delegate": delegate, **window}).status_code == 201


def test_an_out_of_office_delegate_the_rule_keeps_from_the_task_cannot_complete_it(case):
    review, sam, _, rita = case
    assert rita.post(f"/tasks/{review}/claim").status_code == 200
    _away(rita, "sam")  # rita is away; her deputy started the case
    refused = sam.post(f"/tasks/{review}/complete", json={})
    assert refused.status_code == 403
    assert (
        refused.json["message"] == "four eyes: you started this case, so someone else must complete 'Review'"
    )
    assert rita.get(f"/tasks/{review}").json["assignee"] == "rita"  # still hers when she is back


def test_an_out_of_office_delegate_the_rule_allows_completes_the_task(case, as_user):
    review, _, _, rita = case
    deputy = as_user("uma")  # not a writer: sees the review only as rita's deputy
    assert rita.post(f"/tasks/{review}/claim").status_code == 200
    _away(rita, "uma")
    assert deputy.post(f"/tasks/{review}/complete", json={}).status_code == 200


def _audited(admin, action: str) -> list[dict]:
    return admin.get(f"/audit?action={action}").json["items"]


def test_each_four_eyes_refusal_is_audited_though_nothing_else_is_written(app, case, admin):
    """An attempt the rule refuses (claim, complete, delegate) is kept on the trail as
    task.<action>_refused naming the rule, in a transaction of its own (Annex 11 12.4)."""
    review, sam, dora, rita = case
    assert sam.post(f"/tasks/{review}/claim").status_code == 403
    assert dora.post(f"/tasks/{review}/complete", json={"variables": {"ok": True}}).status_code == 403
    assert rita.post(f"/tasks/{review}/delegate", json={"to": "sam"}).status_code == 400

    (claim,) = _audited(admin, "task.claim_refused")
    assert (claim["actor"], claim["object_type"], claim["object_id"]) == ("sam", "task", review)
    assert claim["after"]["rule"] == "notBy" and "you started this case" in claim["reason"]
    (completion,) = _audited(admin, "task.complete_refused")
    assert completion["actor"] == "dora" and "you completed 'Draft'" in completion["reason"]
    (delegation,) = _audited(admin, "task.delegate_refused")
    assert delegation["actor"] == "rita" and delegation["after"]["to"] == "sam"
    assert "sam started this case" in delegation["reason"]

    task = rita.get(f"/tasks/{review}").json
    assert task["status"] == "open" and task["assignee"] is None
    assert _audited(admin, "task.claim") == [] and _audited(admin, "task.delegate") == []
    assert app.test_cli_runner().invoke(args=["audit", "verify"]).exit_code == 0


ROUNDS = DATA / "duties" / "board_vote_rounds.bpmn"


@pytest.fixture
def board(admin, as_user):
    """A 2-of-3 vote whose `notBy` names the vote itself: one vote per person in each round."""
    assert admin.deploy(ROUNDS).status_code == 201
    vera, will, chair = (
        as_user("vera", groups=["board"]),
        as_user("will", groups=["board"]),
        as_user("chair", groups=["chair"]),
    )
    started = admin.post(
        "/process-definitions/board_rounds/instances", json={"variables": {"seats": [1, 2, 3]}}
    )
    return started.json["id"], vera, will, chair


def _votes(api, instance_id) -> list[str]:
    items = api.get(f"/tasks?instance_id={instance_id}").json["items"]
    return [t["id"] for t in items if t["element_id"] == "Task_vote"]


def test_one_person_casts_one_vote_of_a_round_however_many_seats_their_groups_give(board):
    instance_id, vera, will, _ = board
    first, second, third = _votes(vera, instance_id)
    assert vera.post(f"/tasks/{first}/complete", json={}).status_code == 200
    for doing in ("claim", "complete"):
        refused = vera.post(f"/tasks/{second}/{doing}", **({"json": {}} if doing == "complete" else {}))
        assert refused.status_code == 403, (doing, refused.json)
        assert "you completed another 'Vote' of this round" in refused.json["message"]
    assert vera.get(f"/instances/{instance_id}").json["active_elements"] == ["Task_vote"]
    assert will.post(f"/tasks/{third}/complete", json={}).status_code == 200
    assert will.get(f"/instances/{instance_id}").json["active_elements"] == ["Task_chair"]


def test_one_person_holds_one_seat_of_a_round_at_a_time(board):
    """A second seat claimed would stay theirs, and nobody's to vote on, once they voted on the first."""
    instance_id, vera, will, _ = board
    first, second, third = _votes(vera, instance_id)
    assert vera.post(f"/tasks/{first}/claim").status_code == 200
    refused = vera.post(f"/tasks/{second}/claim")
    assert refused.status_code == 403, refused.json
    assert "four eyes: you took another 'Vote' of this round" in refused.json["message"]
    assert will.post(f"/tasks/{second}/claim").status_code == 200
    handed = will.post(f"/tasks/{third}/delegate", json={"to": "vera"})
    assert handed.status_code == 400 and handed.json["details"]["field"] == "to", handed.json
    assert "vera took another 'Vote' of this round" in handed.json["message"]
    assert vera.post(f"/tasks/{first}/complete", json={}).status_code == 200
    assert will.post(f"/tasks/{second}/complete", json={}).status_code == 200
    assert will.get(f"/instances/{instance_id}").json["active_elements"] == ["Task_chair"]


def test_a_new_round_takes_everyone_s_vote_again(board):
    instance_id, vera, will, chair = board
    first, _, third = _votes(vera, instance_id)
    assert vera.post(f"/tasks/{first}/complete", json={}).status_code == 200
    assert will.post(f"/tasks/{third}/complete", json={}).status_code == 200
    [decide] = chair.get(f"/tasks?instance_id={instance_id}").json["items"]
    assert (
        chair.post(f"/tasks/{decide['id']}/complete", json={"variables": {"again": True}}).status_code == 200
    )
    votes = _votes(vera, instance_id)
    assert len(votes) == 3
    assert vera.post(f"/tasks/{votes[0]}/complete", json={}).status_code == 200
    refused = vera.post(f"/tasks/{votes[1]}/complete", json={})
    assert refused.status_code == 403, refused.json


def test_the_tasks_a_completion_offers_next_leave_out_those_four_eyes_keep_from_the_caller(
    admin, as_user, board
):
    """`next_tasks` are the tasks the caller may work on now. They offered the review to whoever had
    just drafted (and the other seats of a round to whoever had just voted), each a 403 on opening."""
    assert admin.deploy(MODEL).status_code == 201
    sam, dora = as_user("sam", groups=["writers"]), as_user("dora", groups=["writers"])
    draft = sam.post("/process-definitions/four_eyes/instances", json={}).json["tasks"][0]
    drafted = dora.post(f"/tasks/{draft['id']}/complete", json={})
    assert drafted.status_code == 200 and drafted.json["next_tasks"] == []
    instance_id, vera, will, _ = board
    first, _, _ = _votes(vera, instance_id)
    voted = vera.post(f"/tasks/{first}/complete", json={})
    assert voted.status_code == 200 and voted.json["next_tasks"] == []
    assert len(_votes(will, instance_id)) == 2  # still open: someone else's to cast
