"""The notifications bell in the page header: a new task shows with its count; reading clears it."""

from __future__ import annotations

import re

from tests.conftest import DATA
from tests.web.test_pages import csrf_of, sign_in


def bell_of(html: str) -> str:
    return re.search(r'<details class="bell".*?</details>', html, re.S).group(0)


def unread_in(html: str) -> int:
    return int(re.search(r'data-unread="(\d+)"', bell_of(html)).group(1))


NOTIFY = (
    b'<bpmn:extensionElements><camunda:properties><camunda:property name="notify.taskCreated" value="inapp"/>'
    b"</camunda:properties></bpmn:extensionElements>"
)


def deploy_notifying(admin) -> None:
    """The two-step review with `notify.taskCreated`: group offers notify the group only when asked."""
    xml = (DATA / "simple" / "two_steps.bpmn").read_bytes()
    xml = xml.replace(
        b'name="Two steps" isExecutable="true">', b'name="Two steps" isExecutable="true">' + NOTIFY
    )
    assert admin.deploy_bytes({"two_steps.bpmn": xml}).status_code == 201


def start_review(admin, business_key: str) -> None:
    admin.post("/process-definitions/two_steps/instances", json={"business_key": business_key})


def test_a_new_task_shows_in_the_bell_with_its_count_and_link(client, admin, make_user):
    deploy_notifying(admin)
    make_user("rita", groups=["reviewers"])
    sign_in(client, "rita", "pw-rita")
    assert unread_in(client.get("/").get_data(as_text=True)) == 0
    start_review(admin, "REQ-1")
    start_review(admin, "REQ-2")
    bell = bell_of(client.get("/start").get_data(as_text=True))  # on every signed-in page
    assert 'data-unread="2"' in bell and 'aria-label="Notifications, 2 unread"' in bell
    titles = re.findall(
        r'<a href="/notifications/[0-9a-f-]+">(New task: Review request \(REQ-\d\))</a>', bell
    )
    assert sorted(titles) == ["New task: Review request (REQ-1)", "New task: Review request (REQ-2)"]


def test_following_a_notification_opens_its_page_and_marks_it_read(client, admin, make_user):
    deploy_notifying(admin)
    make_user("rita", groups=["reviewers"])
    start_review(admin, "REQ-1")
    sign_in(client, "rita", "pw-rita")
    link = re.search(
        r'<a href="(/notifications/[0-9a-f-]+)">', bell_of(client.get("/").get_data(as_text=True))
    )
    opened = client.get(link.group(1))
    assert opened.status_code == 302 and re.fullmatch(r"/tasks/[0-9a-f-]+", opened.headers["Location"])
    assert client.get(opened.headers["Location"]).status_code == 200
    page = client.get("/").get_data(as_text=True)
    assert unread_in(page) == 0
    assert re.search(r'<a href="/tasks/[0-9a-f-]+">New task: Review request \(REQ-1\)</a>', bell_of(page))


def test_marking_one_then_all_read_clears_the_count(client, admin, make_user):
    deploy_notifying(admin)
    make_user("rita", groups=["reviewers"])
    for key in ("REQ-1", "REQ-2", "REQ-3"):
        start_review(admin, key)
    sign_in(client, "rita", "pw-rita")
    page = client.get("/?tab=groups").get_data(as_text=True)
    assert unread_in(page) == 3
    first = re.search(r'data-notification-id="([^"]+)"', bell_of(page)).group(1)
    done = client.post(
        f"/notifications/{first}/read", data={"csrf_token": csrf_of(page), "next": "/?tab=groups"}
    )
    assert done.status_code == 302 and done.headers["Location"] == "/?tab=groups"
    page = client.get("/").get_data(as_text=True)
    assert unread_in(page) == 2 and f'action="/notifications/{first}/read"' not in page
    client.post("/notifications/read", data={"csrf_token": csrf_of(page)})
    page = client.get("/").get_data(as_text=True)
    assert unread_in(page) == 0 and "Mark all read" not in page and "Mark read" not in page


def test_marking_read_needs_the_form_token_and_only_touches_my_own(client, admin, make_user):
    deploy_notifying(admin)
    make_user("rita", groups=["reviewers"])
    make_user("sam")
    start_review(admin, "REQ-1")
    sign_in(client, "rita", "pw-rita")
    page = client.get("/").get_data(as_text=True)
    mine = re.search(r'data-notification-id="([^"]+)"', bell_of(page)).group(1)
    assert client.post("/notifications/read", data={"csrf_token": "forged"}).status_code == 400
    client.post("/logout", data={"csrf_token": csrf_of(page)})
    sign_in(client, "sam", "pw-sam")
    token = csrf_of(client.get("/").get_data(as_text=True))
    assert client.post(f"/notifications/{mine}/read", data={"csrf_token": token}).status_code == 404
    client.post("/notifications/read", data={"csrf_token": token})
    client.post("/logout", data={"csrf_token": token})
    sign_in(client, "rita", "pw-rita")
    assert unread_in(client.get("/").get_data(as_text=True)) == 1
