"""What a browser gets outside the inbox's own routes, and when its session has ended."""

from __future__ import annotations

from tests.conftest import DATA
from tests.web.test_pages import csrf_of, sign_in


def test_pages_a_browser_asks_for_get_the_inbox_error_page_and_the_api_keeps_json(client, make_user):
    make_user("ida")
    sign_in(client, "ida", "pw-ida")
    for path, status, title in (("/tasks/not-a-uuid", 404, "Not found"), ("/no/such/page", 404, "Not found")):
        response = client.get(path)
        assert response.status_code == status and response.mimetype == "text/html"
        html = response.get_data(as_text=True)
        assert f"<h1>{title}</h1>" in html and "Sign out" in html  # the signed-in header, not raw JSON
    wrong_method = client.delete("/start")
    assert wrong_method.status_code == 405 and wrong_method.mimetype == "text/html"
    assert "<h1>Not possible on this page</h1>" in wrong_method.get_data(as_text=True)  # not "went wrong"
    api = client.get("/api/v1/no-such-thing")
    assert api.status_code == 404 and api.json["error"] == "not_found"


def test_the_sign_in_page_has_its_own_address_and_keeps_where_to_return(client, make_user):
    make_user("ida")
    page = client.get("/login?next=/start")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<h1>Sign in</h1>" in html and 'name="next" value="/start"' in html
    data = {"username": "ida", "password": "wrong", "csrf_token": csrf_of(html), "next": "/start"}
    failed = client.post("/login", data=data).get_data(as_text=True)
    assert 'name="next" value="/start"' in failed  # a typo does not lose the way back
    signed_in = client.post("/login", data={**data, "password": "pw-ida"})
    assert signed_in.headers["Location"] == "/start"
    assert client.get("/login").headers["Location"] == "/"  # signed in already


def test_every_page_has_a_favicon(client):
    assert 'rel="icon" href="/assets/favicon.svg"' in client.get("/").get_data(as_text=True)
    legacy = client.get("/favicon.ico")
    assert legacy.status_code == 301 and legacy.headers["Location"] == "/assets/favicon.svg"
    icon = client.get("/assets/favicon.svg")
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"


def test_a_button_pressed_after_the_session_ended_leads_to_sign_in_and_back(client, admin, make_user):
    admin.deploy(DATA / "simple" / "two_steps.bpmn")
    task_id = admin.post("/process-definitions/two_steps/instances", json={}).json["tasks"][0]["id"]
    make_user("rita", groups=["reviewers"])
    sign_in(client, "rita", "pw-rita")
    stale = client.get("/?tab=groups").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_of(stale)})  # signed out in another tab
    pressed = client.post(
        f"/tasks/{task_id}/claim", data={"csrf_token": csrf_of(stale), "next": "/?tab=groups"}
    )
    assert pressed.status_code == 302 and pressed.headers["Location"] == "/login?next=/?tab%3Dgroups"
    page = client.get(pressed.headers["Location"]).get_data(as_text=True)
    assert "Your session has ended, so nothing was changed. Sign in to continue." in page
    data = {"username": "rita", "password": "pw-rita", "csrf_token": csrf_of(page), "next": "/?tab=groups"}
    assert client.post("/login", data=data).headers["Location"] == "/?tab=groups"
    assert admin.get(f"/tasks/{task_id}").json["assignee"] is None  # the stale press did nothing

    page = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_of(page)})
    referer = {"Referer": f"http://localhost/tasks/{task_id}"}  # the task form carries no `next`
    completed = client.post(f"/tasks/{task_id}", data={"csrf_token": csrf_of(page)}, headers=referer)
    assert completed.headers["Location"] == f"/login?next=/tasks/{task_id}"


def test_a_case_or_task_that_does_not_exist_is_named_in_words_not_by_its_id(client, make_user):
    make_user("ida")
    sign_in(client, "ida", "pw-ida")
    unknown = "0b6a2c1e-4f0d-4a57-9d0e-3f5c7b2a9e11"
    for path, said in (
        (f"/instances/{unknown}", "This case does not exist or is not yours to see."),
        (f"/tasks/{unknown}", "This task does not exist or is not yours to see."),
    ):
        html = client.get(path).get_data(as_text=True)
        assert f"<p>{said}</p>" in html and unknown not in html
