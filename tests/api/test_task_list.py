"""GET /tasks: what each item holds, who sees completed tasks, paging past the end."""

import pytest

from tests.conftest import DATA


@pytest.fixture
def deployed(admin):
    for name in ("dated_review.bpmn", "two_steps.bpmn"):
        assert admin.deploy(DATA / "simple" / name).status_code == 201
    return admin


def test_a_listed_task_reads_as_it_does_on_its_own(deployed, as_user):
    started = deployed.post("/process-definitions/dated_review/instances", json={}).json
    task_id = started["tasks"][0]["id"]
    carla = as_user("carla")
    listed = carla.get("/tasks").json["items"]
    alone = carla.get(f"/tasks/{task_id}").json
    assert listed == [alone]
    assert alone["due"] and alone["follow_up"] and alone["form"] and alone["candidate_users"] == ["carla"]


def test_a_completed_task_is_listed_to_whom_it_was_offered_not_to_everyone(deployed, as_user):
    started = deployed.post("/process-definitions/two_steps/instances", json={}).json
    rita, olga = as_user("rita", groups=["reviewers"]), as_user("olga")
    assert rita.post(f"/tasks/{started['tasks'][0]['id']}/complete", json={}).status_code == 200
    done = rita.get("/tasks?status=completed").json["items"]
    assert [t["element_id"] for t in done] == ["review"]
    assert olga.get("/tasks?status=completed").json["total"] == 0
    assert olga.get(f"/tasks/{done[0]['id']}").status_code == 403  # the list and the task agree


def test_a_page_past_the_end_is_empty_and_still_says_how_many_there_are(deployed, as_user):
    for _ in range(3):
        deployed.post("/process-definitions/two_steps/instances", json={})
    rita = as_user("rita", groups=["reviewers"])
    past = rita.get("/tasks?limit=2&offset=10").json
    assert (past["items"], past["total"], past["total_is_lower_bound"]) == ([], 3, False)
    last = rita.get("/tasks?limit=2&offset=2").json
    assert (len(last["items"]), last["total"]) == (1, 3)


def test_tasks_created_in_one_step_are_each_listed_once_across_pages(admin, as_user):
    """The 60 votes of one multi-instance task share their created_at: with nothing after it in the
    order, their order among themselves was the table's, which a claim changes between two pages.
    Then a page repeated a task and another page skipped one."""
    assert admin.deploy(DATA / "quorum" / "board_vote.bpmn").status_code == 201
    board = [f"member{n:02d}" for n in range(60)]
    body = {"variables": {"board": board, "needed": 60}}
    assert admin.post("/process-definitions/board_vote/instances", json=body).status_code == 201
    vera = as_user("vera", groups=board)
    seen = []
    for offset in range(0, 63, 7):
        page = vera.get(f"/tasks?limit=7&offset={offset}").json
        assert page["total"] == 60
        seen += [task["id"] for task in page["items"]]
        if page["items"]:  # she takes one while she reads on
            assert vera.post(f"/tasks/{page['items'][0]['id']}/claim").status_code == 200
    assert len(seen) == 60 and len(set(seen)) == 60
