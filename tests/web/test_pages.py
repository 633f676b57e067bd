"""The inbox pages over HTTP (no browser): sign-in, CSRF, rate limit, tabs, claim and delegate."""

from __future__ import annotations

import json
import re
from uuid import UUID

import pytest

from tests.conftest import DATA, ROOT, password_of

INSPECTION = DATA / "inbox" / "inspection.bpmn"


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def sign_in(client, username: str, password: str):
    token = csrf_of(client.get("/").get_data(as_text=True))
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token})


def test_visitor_sees_sign_in_and_signed_in_user_sees_inbox(client, make_user):
    make_user("ida")
    assert "Sign in" in client.get("/").get_data(as_text=True)
    response = sign_in(client, "ida", "pw-ida")
    assert response.status_code == 302
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    page = client.get("/").get_data(as_text=True)
    assert "<h1>Inbox</h1>" in page and "Sign out" in page


def test_the_api_leaves_the_page_session_cookie_alone(app, client, make_user):
    from flask import session
    from flask.sessions import NullSession

    from tests.conftest import Api

    with app.test_request_context("/api/v1/tasks"):
        assert isinstance(session, NullSession)  # not even opened: the API authenticates by token

    token = make_user("ida")
    sign_in(client, "ida", "pw-ida")
    response = Api(client, token).get("/tasks")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers and "Cookie" not in response.headers.get("Vary", "")
    assert "<h1>Inbox</h1>" in client.get("/").get_data(as_text=True)  # still signed in


def test_forms_without_the_session_csrf_token_are_refused(client, make_user):
    make_user("ida")
    client.get("/")
    refused = client.post("/login", data={"username": "ida", "password": "pw-ida", "csrf_token": "forged"})
    assert refused.status_code == 400
    assert "did not come from this site" in refused.get_data(as_text=True)


def test_a_csrf_token_that_is_not_ascii_is_refused_as_a_wrong_one(client, make_user):
    """A forged token of any characters is just wrong (a 400), never an error 500."""
    make_user("ida")
    client.get("/")
    refused = client.post("/login", data={"username": "ida", "password": "pw-ida", "csrf_token": "jeton-é"})
    assert refused.status_code == 400
    sign_in(client, "ida", "pw-ida")
    refused = client.post("/notifications/read", headers={"X-CSRF-Token": "jeton-\u00e9"})
    assert refused.status_code == 400 and "did not come from this site" in refused.get_data(as_text=True)


def test_a_sign_in_page_left_open_past_its_session_still_signs_in(app, client, make_user):
    make_user("ida")
    token = csrf_of(client.get("/login").get_data(as_text=True))
    later = app.test_client()  # the session (and its token) is gone: expired, or its cookie cleared
    form = {"username": "ida", "password": "pw-ida", "csrf_token": token}
    same_site = later.post("/login", data=form, headers={"Origin": "http://localhost"})
    assert same_site.status_code == 302  # the browser says it came from this site: signed in
    assert "<h1>Inbox</h1>" in later.get("/").get_data(as_text=True)

    old_browser = app.test_client()  # no Origin header: the form comes back with a fresh token
    again = old_browser.post("/login", data=form)
    html = again.get_data(as_text=True)
    assert again.status_code == 400 and "the sign-in form had expired" in html.lower()
    assert 'value="ida"' in html and csrf_of(html) != token
    signed = old_browser.post("/login", data={**form, "csrf_token": csrf_of(html)})
    assert signed.status_code == 302


def test_another_site_cannot_sign_a_visitor_in(app, make_user):
    make_user("mallory")
    victim = app.test_client()
    form = {"username": "mallory", "password": "pw-mallory", "csrf_token": "none"}
    for headers in ({"Origin": "https://evil.example"}, {"Origin": "null"}, {"Sec-Fetch-Site": "cross-site"}):
        refused = victim.post("/login", data=form, headers=headers)
        assert refused.status_code == 400 and "Set-Cookie" in refused.headers  # (the fresh token's)
        assert "Sign in" in victim.get("/").get_data(as_text=True)  # still signed out


def test_sign_in_is_blocked_after_five_failures_a_minute(client, make_user):
    make_user("mallory-target")
    for _ in range(5):
        assert sign_in(client, "mallory-target", "guess").status_code == 401
    blocked = sign_in(client, "mallory-target", "pw-mallory-target")
    assert blocked.status_code == 429
    assert "Too many failed sign-ins from this address: 5 in 1 minute." in blocked.get_data(as_text=True)
    assert 1 <= int(blocked.headers["Retry-After"]) <= 60


def test_failures_any_worker_recorded_count_toward_the_sign_in_limit(client, make_user):
    """The limit is read from the audit trail, so five failures another gunicorn worker (or the
    process before a restart) saw block this one too; another address is not blocked."""
    from app.services import identity, sign_ins

    make_user("mallory-spread")
    for _ in range(5):
        assert identity.authenticate_password("mallory-spread", "guess", "127.0.0.1") is None
    blocked = sign_in(client, "mallory-spread", "pw-mallory-spread")
    assert blocked.status_code == 429
    assert not sign_ins.sign_in_blocked("mallory-spread", "10.0.0.9")


def test_a_failed_sign_in_is_audited_without_saying_whether_the_user_exists(client, admin, make_user):
    make_user("ines")
    known = sign_in(client, "ines", "not-Her-pw-9")
    unknown = sign_in(client, "nobody-here", "not-Her-pw-9")
    assert known.status_code == unknown.status_code == 401

    def said(response) -> str:
        return re.search(r'<p class="flash flash-\w+">(.*?)</p>', response.get_data(as_text=True)).group(1)

    assert said(known) == said(unknown) == "Unknown username or wrong password."
    entries = admin.get("/audit?action=user.sign_in_failed").json["items"]
    assert sorted(e["after"]["username"] for e in entries) == ["ines", "nobody-here"]
    assert {e["actor"] for e in entries} == {"anonymous"}
    assert "not-Her-pw-9" not in json.dumps(admin.get("/audit").json)
    assert sign_in(client, "ines", "pw-ines").status_code == 302
    assert len(admin.get("/audit?action=user.sign_in_failed").json["items"]) == 2


def _inspection_in_the_inbox(client, admin, make_user) -> tuple[str, str]:
    """An inspection task in the signed-in inspector's inbox: its id and the page's CSRF token."""
    admin.deploy(INSPECTION)
    make_user("inspector")
    admin.post("/process-definitions/inspection/instances", json={})
    sign_in(client, "inspector", "pw-inspector")
    inbox = client.get("/").get_data(as_text=True)
    return re.search(r'data-task-id="([^"]+)"', inbox).group(1), csrf_of(inbox)


def test_a_nul_in_a_sign_in_or_a_task_form_is_a_400_naming_the_field(client, admin, make_user):
    """PostgreSQL text holds no NUL: the page says which field, instead of an error 500."""
    make_user("ines")
    refused = sign_in(client, "ines\x00", "pw-ines")
    assert refused.status_code == 400 and "username" in refused.get_data(as_text=True)
    assert admin.get("/audit?action=user.sign_in_failed").json["total"] == 0
    task_id, token = _inspection_in_the_inbox(client, admin, make_user)
    form = {"csrf_token": token, "measurement": "7", "grade": "A", "notes": "fine\x00"}
    refused = client.post(f"/tasks/{task_id}", data=form)
    assert refused.status_code == 400 and "notes" in refused.get_data(as_text=True)
    assert admin.get(f"/tasks/{task_id}").json["status"] == "open"


def test_a_username_longer_than_any_is_a_failed_sign_in_like_any_unknown_name(client, admin):
    """No user has a 300-character name: the attempt fails as an unknown name does (and is audited,
    cut to what the trail keeps), not as an error 500."""
    refused = sign_in(client, "u" * 300, "guess")
    assert refused.status_code == 401
    [entry] = admin.get("/audit?action=user.sign_in_failed").json["items"]
    assert entry["after"]["username"] == "u" * 255 and entry["object_id"] == "u" * 255


def test_next_parameter_cannot_redirect_off_site(client, make_user):
    make_user("ida")
    token = csrf_of(client.get("/").get_data(as_text=True))
    data = {"username": "ida", "password": "pw-ida", "csrf_token": token, "next": "//evil.example/x"}
    assert client.post("/login", data=data).headers["Location"] == "/"


@pytest.mark.parametrize("target", ["/\t/evil.example/x", "/\n/evil.example", "/\r\n/evil.x", " //evil.x"])
def test_a_next_parameter_with_control_characters_stays_on_this_site(app, make_user, target):
    """Browsers drop tabs and newlines from a URL: "/<tab>/evil.example" is "//evil.example" to them,
    and a sign-in link carrying it must not send who signs in there (nor be an error 500)."""
    make_user("ida")
    browser = app.test_client()
    page = browser.get("/login", query_string={"next": target}).get_data(as_text=True)
    form = {"username": "ida", "password": "pw-ida", "csrf_token": csrf_of(page), "next": target}
    signed_in = browser.post("/login", data=form)
    assert signed_in.status_code == 302 and signed_in.headers["Location"] == "/"
    again = browser.get("/login", query_string={"next": target})  # signed in: sent on at once
    assert again.status_code == 302 and again.headers["Location"] == "/"


def test_group_task_is_claimed_then_delegated_from_the_list(client, admin, make_user):
    admin.deploy(DATA / "simple" / "two_steps.bpmn")
    admin.post("/process-definitions/two_steps/instances", json={"business_key": "REQ-9"})
    make_user("rita", groups=["reviewers"])
    make_user("sam")
    sign_in(client, "rita", "pw-rita")
    groups = client.get("/?tab=groups").get_data(as_text=True)
    assert 'data-count="groups">1<' in groups and "REQ-9" in groups
    task_id = re.search(r'data-task-id="([^"]+)"', groups).group(1)
    token = csrf_of(groups)
    client.post(f"/tasks/{task_id}/claim", data={"csrf_token": token, "next": "/?tab=mine"})
    mine = client.get("/?tab=mine").get_data(as_text=True)
    assert 'data-count="mine">1<' in mine and "assigned to you" in mine
    client.post(f"/tasks/{task_id}/delegate", data={"csrf_token": token, "to": "sam"})
    assert 'data-count="mine">0<' in client.get("/").get_data(as_text=True)


def test_text_filter_matches_business_key(client, admin, make_user):
    admin.deploy(DATA / "simple" / "two_steps.bpmn")
    for key in ("REQ-1", "REQ-2"):
        admin.post("/process-definitions/two_steps/instances", json={"business_key": key})
    make_user("rita", groups=["reviewers"])
    sign_in(client, "rita", "pw-rita")
    page = client.get("/?tab=all&q=REQ-2").get_data(as_text=True)
    assert 'data-count="all">1<' in page and "REQ-2" in page and "REQ-1" not in page


def test_search_text_is_matched_literally_not_as_a_like_pattern(client, admin, make_user):
    admin.deploy(DATA / "simple" / "two_steps.bpmn")
    for key in ("LOT_7", "LOTX7", "100%"):
        admin.post("/process-definitions/two_steps/instances", json={"business_key": key})
    make_user("rita", groups=["reviewers"])
    sign_in(client, "rita", "pw-rita")
    assert 'data-count="all">1<' in client.get("/?tab=all&q=LOT_7").get_data(as_text=True)
    percent = client.get("/?tab=all&q=%25").get_data(as_text=True)
    assert 'data-count="all">1<' in percent and "100%" in percent and "LOTX7" not in percent


def test_the_list_names_processes_labels_times_and_its_buttons(client, admin, make_user):
    admin.deploy(DATA / "simple" / "two_steps.bpmn")
    admin.post("/process-definitions/two_steps/instances", json={"business_key": "REQ-1"})
    make_user("rita", groups=["reviewers"])
    sign_in(client, "rita", "pw-rita")
    page = client.get("/?tab=groups").get_data(as_text=True)
    assert '<option value="two_steps" >Two steps</option>' in page  # the filter offers names
    assert "<span>Two steps</span>" in page and "offered to group reviewers" in page
    assert re.search(r"created \d{4}-\d\d-\d\d \d\d:\d\d UTC", page)  # times say their zone
    assert 'Claim<span class="sr-only"> “Review request”</span>' in page
    assert 'Delegate<span class="sr-only"> “Review request”</span>' in page


def test_an_empty_my_tasks_tab_points_to_tasks_waiting_to_be_claimed(client, admin, make_user):
    make_user("rita", groups=["reviewers"])
    sign_in(client, "rita", "pw-rita")
    assert "waiting under" not in client.get("/").get_data(as_text=True)  # nothing to claim either
    admin.deploy(DATA / "simple" / "two_steps.bpmn")
    admin.post("/process-definitions/two_steps/instances", json={})
    page = client.get("/").get_data(as_text=True)
    assert "No tasks here. 1 task is waiting under" in page and '<a href="/?tab=groups">To claim</a>' in page


def test_server_rejects_values_the_browser_should_have_caught(client, admin, make_user):
    task_id, token = _inspection_in_the_inbox(client, admin, make_user)
    bad = client.post(f"/tasks/{task_id}", data={"csrf_token": token, "measurement": "x", "grade": "Z"})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert "Enter a whole number." in html and "Choose one of: A, B, C." in html
    assert "This field is required." in html  # notes
    good = {"csrf_token": token, "measurement": "7", "grade": "A", "notes": "fine"}
    done = client.post(f"/tasks/{task_id}", data=good)
    assert done.status_code == 302 and done.headers["Location"].startswith("/tasks/")


def test_claiming_a_task_someone_else_took_explains_why_in_the_inbox(client, admin, make_user):
    admin.deploy(DATA / "simple" / "two_steps.bpmn")
    started = admin.post("/process-definitions/two_steps/instances", json={}).json
    task_id = started["tasks"][0]["id"]
    make_user("rita", groups=["reviewers"])
    make_user("ron", groups=["reviewers"])
    sign_in(client, "ron", "pw-ron")
    token = csrf_of(client.get("/").get_data(as_text=True))
    client.post(f"/tasks/{task_id}/claim", data={"csrf_token": token})
    client.post("/logout", data={"csrf_token": token})
    sign_in(client, "rita", "pw-rita")
    token = csrf_of(client.get("/").get_data(as_text=True))
    refused = client.post(f"/tasks/{task_id}/claim", data={"csrf_token": token}, follow_redirects=True)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 200 and 'class="flash flash-error"' in html
    assert (
        "ron has claimed “Review request”: only they or an admin can work on it." in html
    )  # not "not offered to you": she is a candidate


def test_session_cookie_is_secure_off_localhost(app):
    from app import create_app
    from app.config import Config
    from tests.conftest import TEST_DB_URL

    production = create_app(
        Config(DATABASE_URL=TEST_DB_URL, SECRET_KEY="k" * 40, BASE_URL="https://baton.example")
    )
    local = create_app(Config(DATABASE_URL=TEST_DB_URL, SECRET_KEY="k" * 40))
    assert production.config["SESSION_COOKIE_SECURE"] is True
    assert local.config["SESSION_COOKIE_SECURE"] is False


def test_overdue_tasks_are_badged_sorted_by_due_date_and_paginated(client, admin, make_user, monkeypatch):
    from datetime import UTC, datetime, timedelta

    from app.extensions import db
    from app.models import UserTask
    from app.services import inbox

    admin.deploy(DATA / "simple" / "two_steps.bpmn")
    ids = [
        admin.post("/process-definitions/two_steps/instances", json={"business_key": k}).json["tasks"][0][
            "id"
        ]
        for k in ("LATE", "SOON")
    ]
    late, soon = (db.session.get(UserTask, UUID(i)) for i in ids)
    late.due, soon.due = datetime.now(UTC) - timedelta(hours=1), datetime.now(UTC) + timedelta(hours=2)
    db.session.commit()
    make_user("rita", groups=["reviewers"])
    sign_in(client, "rita", "pw-rita")
    monkeypatch.setattr(inbox, "PAGE_SIZE", 1)
    first = client.get("/?tab=groups&sort=due").get_data(as_text=True)
    assert "LATE" in first and "Overdue" in first and "SLA breached" in first
    assert "Page 1 of 2" in first
    second = client.get("/?tab=groups&sort=due&page=2").get_data(as_text=True)
    assert "SOON" in second and "Overdue" not in second and "SLA at risk" in second


def test_a_signed_approval_is_signed_from_the_task_page(client, admin, make_user):
    admin.deploy(DATA / "security" / "signed_approval.bpmn")
    started = admin.post("/process-definitions/signed_approval/instances", json={}).json
    task_id = started["tasks"][0]["id"]
    make_user("quinn", groups=["QA"])
    sign_in(client, "quinn", "pw-quinn")
    page = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert "Sign as QA" in page
    token = csrf_of(page)
    sent = {"csrf_token": token, "password": password_of("quinn")}
    rejected = client.post(f"/tasks/{task_id}", data={**sent, "decision": "reject"})
    assert rejected.status_code == 422 and "reason" in rejected.get_data(as_text=True).lower()
    signed = client.post(f"/tasks/{task_id}", data={**sent, "decision": "approve"})
    assert signed.status_code == 302
    verified = admin.get(f"/instances/{started['id']}/signatures/verify").json
    assert verified["ok"] is True and verified["count"] == 1, verified


def test_the_instance_page_links_only_the_tasks_its_reader_may_open(client, admin, make_user):
    admin.deploy(DATA / "simple" / "two_steps.bpmn")
    for name, groups in (("emma", []), ("rita", ["reviewers"]), ("carl", [])):
        make_user(name, groups=groups)
    sign_in(client, "emma", "pw-emma")
    token = csrf_of(client.get("/start").get_data(as_text=True))
    started = client.post("/start/two_steps", data={"csrf_token": token})
    instance_url = started.headers["Location"]  # emma started it; the review is the reviewers'
    page = client.get(instance_url).get_data(as_text=True)
    assert "Review request" in page and 'href="/tasks/' not in page
    client.post("/logout", data={"csrf_token": token})
    sign_in(client, "rita", "pw-rita")
    page = client.get(instance_url).get_data(as_text=True)
    assert re.search(r'<a href="/tasks/[^"]+">Review request</a>', page)
    token = csrf_of(client.get("/").get_data(as_text=True))
    client.post("/logout", data={"csrf_token": token})
    sign_in(client, "carl", "pw-carl")
    assert client.get(instance_url).status_code == 404


def test_a_process_filter_without_open_tasks_still_shows_as_the_filter(client, admin, make_user):
    admin.deploy(ROOT / "bpmn" / "leave_request.bpmn")
    make_user("rita")
    sign_in(client, "rita", "pw-rita")
    page = client.get("/?tab=all&process=leave_request").get_data(as_text=True)
    assert '<option value="leave_request" selected>Leave request (no open tasks)</option>' in page
    assert re.search(
        r"Showing only Leave request\.\s*<a href=\"/\?tab=all&amp;sort=priority\">Show all</a>", page
    )


def test_the_master_work_order_is_not_offered_for_a_hand_start(client, admin, make_user):
    admin.deploy(ROOT / "bpmn" / "work_order_master.bpmn", ROOT / "bpmn" / "leave_request.bpmn")
    make_user("rita")
    sign_in(client, "rita", "pw-rita")
    page = client.get("/start").get_data(as_text=True)
    assert "Leave request" in page and "Master work order" not in page  # its only step needs the API


def test_the_tasks_of_one_step_are_each_shown_once_across_inbox_pages_in_every_sort(client, admin, make_user):
    """60 votes of one multi-instance task tie on priority, due and created_at: the task id orders
    them, so claiming one between two pages moves nothing from one page to another."""
    admin.deploy(DATA / "quorum" / "board_vote.bpmn")
    board = [f"member{n:02d}" for n in range(60)]
    body = {"variables": {"board": board, "needed": 60}}
    assert admin.post("/process-definitions/board_vote/instances", json=body).status_code == 201
    make_user("vera", groups=board)
    sign_in(client, "vera", "pw-vera")
    for sort in ("priority", "due", "created", "oldest"):
        seen = []
        for page in (1, 2, 3):
            html = client.get(f"/?tab=all&sort={sort}&page={page}").get_data(as_text=True)
            shown = re.findall(r'data-task-id="([^"]+)"', html)
            seen += shown
            client.post(f"/tasks/{shown[-1]}/claim", data={"csrf_token": csrf_of(html), "next": "/"})
        assert len(seen) == 60 and len(set(seen)) == 60, sort


def test_delegate_offers_only_people_who_can_sign_in_to_the_inbox(client, admin, make_user):
    """The token-only bootstrap admin (no password) cannot open the inbox to work a task handed to
    it there; neither can a deactivated user."""
    from app.services import identity

    admin.deploy(DATA / "simple" / "two_steps.bpmn")
    admin.post("/process-definitions/two_steps/instances", json={})
    make_user("rita", groups=["reviewers"])
    make_user("sam")
    identity.create_user("bootstrap", roles="admin")  # as BATON_ADMIN_TOKEN makes it: a token, no password
    make_user("gone")
    identity.get_user("gone").active = False
    sign_in(client, "rita", "pw-rita")
    page = client.get("/?tab=groups").get_data(as_text=True)
    offered = re.findall(r"<option>([^<]+)</option>", page)
    assert "sam" in offered and "admin" in offered
    assert "bootstrap" not in offered and "gone" not in offered


def test_the_inbox_holds_people_to_their_roles_as_the_api_does(client, admin, make_user):
    """An operator (or a modeler) who signs in to the inbox starts no case and works no task: the API
    refuses them both ('start', 'work'), and the inbox is no way around it."""
    admin.deploy(DATA / "security" / "open_task.bpmn")
    task_id = admin.post("/process-definitions/open_task/instances", json={}).json["tasks"][0]["id"]
    make_user("opal", roles="operator")
    sign_in(client, "opal", "pw-opal")
    page = client.get("/start/open_task")
    assert page.status_code == 403
    token = csrf_of(client.get("/").get_data(as_text=True))
    assert client.post("/start/open_task", data={"csrf_token": token}).status_code == 403
    assert client.post(f"/tasks/{task_id}/claim", data={"csrf_token": token}).status_code in (302, 403)
    refused = client.post(f"/tasks/{task_id}", data={"csrf_token": token})
    assert refused.status_code == 422  # the task page again, saying why
    assert "&#39;work&#39; requires one of the roles" in refused.get_data(as_text=True)
    task = admin.get(f"/tasks/{task_id}").json
    assert task["status"] == "open" and task["assignee"] is None
    assert admin.get("/instances?key=open_task").json["total"] == 1
