"""A task someone else finished or took: the page says who and when, in its own words, keeps what was
typed while the task is open, and the task's notifications stop waiting in the bell."""

from __future__ import annotations

import re

from tests.conftest import DATA
from tests.web.test_bell import unread_in
from tests.web.test_pages import csrf_of, sign_in

VERIFY = DATA / "inbox" / "verify_loop.bpmn"
PARALLEL = DATA / "inbox" / "parallel_approval.bpmn"
TWO_STEPS = DATA / "simple" / "two_steps.bpmn"


def _signed_in(app, username: str):
    other = app.test_client()
    sign_in(other, username, f"pw-{username}")
    return other


def _flash(html: str) -> str:
    return re.search(r'<p class="flash flash-error">(.*?)</p>', html, re.S).group(1)


def _task_of(admin, instance_id: str, element_id: str, group: str | None = None) -> str:
    tasks = admin.get(f"/tasks?instance_id={instance_id}").json["items"]
    return next(
        t["id"]
        for t in tasks
        if t["element_id"] == element_id and (group is None or group in t["candidate_groups"])
    )


def test_completing_a_task_a_colleague_completed_first_says_who_and_when(app, client, admin, make_user):
    admin.deploy(TWO_STEPS)
    task_id = admin.post("/process-definitions/two_steps/instances", json={}).json["tasks"][0]["id"]
    make_user("rita", groups=["reviewers"])
    make_user("ron", groups=["reviewers"])
    sign_in(client, "rita", "pw-rita")
    token = csrf_of(client.get(f"/tasks/{task_id}").get_data(as_text=True))
    ron = _signed_in(app, "ron")
    ron.post(
        f"/tasks/{task_id}", data={"csrf_token": csrf_of(ron.get(f"/tasks/{task_id}").get_data(as_text=True))}
    )

    late = client.post(f"/tasks/{task_id}", data={"csrf_token": token})
    html = late.get_data(as_text=True)
    assert late.status_code == 409
    assert re.match(
        r"Your input was not saved\. This task was completed by ron on \d{4}-\d\d-\d\d \d\d:\d\d UTC\.$",
        _flash(html),
    )
    assert task_id not in _flash(html)
    assert re.search(r"Completed</span> by ron · \d{4}-", html)  # not "Offered to group reviewers"
    assert "Offered to" not in html and 'id="task-form"' not in html


def test_a_colleague_claiming_first_keeps_what_was_typed_on_the_page(app, client, admin, make_user):
    admin.deploy(VERIFY)
    task_id = admin.post("/process-definitions/verify_loop/instances", json={}).json["tasks"][0]["id"]
    make_user("tess", groups=["testers"])
    make_user("theo", groups=["testers"])
    sign_in(client, "tess", "pw-tess")
    token = csrf_of(client.get(f"/tasks/{task_id}").get_data(as_text=True))
    theo = _signed_in(app, "theo")
    theo.post(f"/tasks/{task_id}/claim", data={"csrf_token": csrf_of(theo.get("/").get_data(as_text=True))})

    late = client.post(f"/tasks/{task_id}", data={"csrf_token": token, "works": "false"})
    html = late.get_data(as_text=True)
    assert late.status_code == 409
    assert _flash(html) == (
        "theo has claimed this task: only they or an admin can work on it. "
        "What you entered is below; it was not saved."
    )
    assert re.search(r"What you entered \(not saved\).*<dt>Works as intended</dt><dd>No</dd>", html, re.S)


def test_an_approval_withdrawn_by_another_approvers_rejection_says_the_decision_was_made(
    app, client, admin, make_user
):
    admin.deploy(PARALLEL)
    make_user("manny", groups=["managers"])
    make_user("carla", groups=["cfo"])
    started = admin.post(
        "/process-definitions/parallel_approval/instances",
        json={"business_key": "SP-1", "variables": {"approvers": ["managers", "cfo"]}},
    ).json
    manny_task = _task_of(admin, started["id"], "Task_approve", "managers")
    carla_task = _task_of(admin, started["id"], "Task_approve", "cfo")
    sign_in(client, "manny", "pw-manny")
    page = client.get(f"/tasks/{manny_task}").get_data(as_text=True)
    assert unread_in(page) == 1  # "New task: Approve request (SP-1)"
    carla = _signed_in(app, "carla")
    token = csrf_of(carla.get(f"/tasks/{carla_task}").get_data(as_text=True))
    carla.post(
        f"/tasks/{carla_task}", data={"csrf_token": token, "decision": "reject", "reason": "Over budget"}
    )

    late = client.post(f"/tasks/{manny_task}", data={"csrf_token": csrf_of(page), "decision": "approve"})
    html = late.get_data(as_text=True)
    assert late.status_code == 409
    assert re.match(
        r"Your input was not saved\. This task was withdrawn on .{20}: the decision was already made "
        r"when carla completed “Approve request”\.$",
        _flash(html),
    )
    assert re.search(r"Withdrawn</span> \d{4}-\d\d-\d\d \d\d:\d\d UTC</p>", html)
    assert unread_in(html) == 0  # the withdrawn task's notification is read: it is news no more
    assert unread_in(carla.get("/").get_data(as_text=True)) == 0  # and the one she completed


def test_a_task_of_a_cancelled_case_says_who_cancelled_it_and_why(client, admin, make_user):
    admin.deploy(TWO_STEPS)
    started = admin.post("/process-definitions/two_steps/instances", json={}).json
    admin.post(f"/instances/{started['id']}/cancel", json={"reason": "Raised twice"})
    make_user("rita", groups=["reviewers"])
    sign_in(client, "rita", "pw-rita")
    page = client.get(f"/tasks/{started['tasks'][0]['id']}").get_data(as_text=True)
    assert re.search(
        r'<p class="ended">This task was withdrawn on .{20}\. admin cancelled the case: Raised twice</p>',
        page,
    )


def test_claiming_from_the_list_a_task_that_was_completed_meanwhile_says_so(app, client, admin, make_user):
    admin.deploy(TWO_STEPS)
    task_id = admin.post("/process-definitions/two_steps/instances", json={}).json["tasks"][0]["id"]
    make_user("rita", groups=["reviewers"])
    sign_in(client, "rita", "pw-rita")
    token = csrf_of(client.get("/?tab=groups").get_data(as_text=True))
    admin.post(f"/tasks/{task_id}/complete", json={"variables": {}})
    refused = client.post(f"/tasks/{task_id}/claim", data={"csrf_token": token}, follow_redirects=True)
    assert re.match(
        r"“Review request” was completed by admin on .{20}\.$", _flash(refused.get_data(as_text=True))
    )


def test_a_completion_refused_while_the_task_is_still_open_keeps_the_form_filled_in(client, admin, make_user):
    admin.deploy(VERIFY)
    started = admin.post("/process-definitions/verify_loop/instances", json={}).json
    make_user("tess", groups=["testers"])
    sign_in(client, "tess", "pw-tess")
    task_id = started["tasks"][0]["id"]
    token = csrf_of(client.get(f"/tasks/{task_id}").get_data(as_text=True))
    assert admin.post(f"/instances/{started['id']}/suspend", json={}).status_code == 200

    refused = client.post(
        f"/tasks/{task_id}", data={"csrf_token": token, "works": "true", "notify_me": "true"}
    )
    html = refused.get_data(as_text=True)
    assert refused.status_code == 409 and _flash(html).startswith("This case is suspended")
    assert re.search(r'id="field-works" name="works" value="true" required\s+checked', html)  # still chosen
    assert re.search(r'id="field-notify_me" name="notify_me" value="true"\s+checked', html)
