"""Tasks whose model names no one (offered to everyone): where a person finds them in the inbox."""

from __future__ import annotations

import re

from tests.conftest import DATA
from tests.web.test_pages import csrf_of, sign_in

OPEN = DATA / "inbox" / "open_to_all.bpmn"


def test_starting_a_process_whose_first_task_names_no_one_opens_that_task(client, admin, make_user):
    admin.deploy(OPEN)
    make_user("olga")
    sign_in(client, "olga", "pw-olga")
    token = csrf_of(client.get("/start").get_data(as_text=True))
    started = client.post("/start/open_to_all", data={"csrf_token": token, "business_key": "OA-1"})
    assert re.fullmatch(r"/tasks/[0-9a-f-]+", started.headers["Location"])  # not the case page
    assert "<h1>Write it up</h1>" in client.get(started.headers["Location"]).get_data(as_text=True)


def test_a_task_offered_to_everyone_is_in_the_to_claim_tab_and_is_next_after_the_step_before(
    client, admin, make_user
):
    admin.deploy(OPEN)
    admin.post("/process-definitions/open_to_all/instances", json={"business_key": "OA-2"})
    make_user("olga", groups=["unrelated"])
    sign_in(client, "olga", "pw-olga")
    groups = client.get("/?tab=groups").get_data(as_text=True)
    assert 'data-count="groups">1<' in groups and "Write it up" in groups
    task_id = re.search(r'data-task-id="([^"]+)"', groups).group(1)
    done = client.post(f"/tasks/{task_id}", data={"csrf_token": csrf_of(groups)})
    assert re.fullmatch(r"/tasks/[0-9a-f-]+", done.headers["Location"])
    following = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "Next: Check the write-up (offered to anyone)." in following
