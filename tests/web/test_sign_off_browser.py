"""Signing in a real browser: the sign-off asks for the password, and the draft the page keeps in the
tab while a session ends (sessionStorage "baton.draft") never holds it."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from tests.conftest import DATA
from tests.web.test_inbox_browser import sign_in

pytestmark = pytest.mark.browser
PASSWORD = "sign-off-pw-42"


@pytest.fixture(scope="module")
def release(live_server):
    """A batch release signed as QA, and sg-quinn of QA: (instance id, task id)."""
    from app.services import identity
    from app.services.deployments import deploy
    from app.services.instances import start_instance

    _, app = live_server
    with app.app_context():
        admin = identity.create_user("sg-admin", roles="admin")
        identity.create_user("sg-quinn", password=PASSWORD)
        identity.add_to_group("sg-quinn", "QA")
        path = DATA / "inbox" / "signed_release.bpmn"
        deploy([(path.name, path.read_bytes())], admin)
        instance, _ = start_instance("signed_release", admin, {})
        return str(instance.id), str(instance.open_tasks_known[0].id)


def test_a_sign_off_kept_while_the_session_ended_never_keeps_the_password(page, live_server, release):
    base_url, app = live_server
    instance_id, task_id = release
    sign_in(page, base_url, "sg-quinn", PASSWORD)
    page.goto(f"{base_url}/tasks/{task_id}")
    page.get_by_label("Batch number").fill("B-42")
    page.get_by_label("Approve").check()
    page.get_by_label("Your password").fill(PASSWORD)
    expect(page.get_by_label("Your password")).to_have_attribute("autocomplete", "current-password")
    # (this model has no diagram: its fetch ends in "error", but it has ended)
    expect(page.locator("#diagram")).to_have_attribute("data-ready", re.compile("true|error"))
    page.wait_for_load_state("networkidle")
    page.context.clear_cookies()  # the session ended while the person was signing
    page.get_by_role("button", name="Complete").click()

    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    kept = page.evaluate("sessionStorage.getItem('baton.draft')")
    assert kept is not None and "B-42" in kept
    assert PASSWORD not in kept and "password" not in [f["name"] for f in json.loads(kept)["fields"]]
    page.get_by_label("Username").fill("sg-quinn")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_label("Batch number")).to_have_value("B-42")
    expect(page.get_by_label("Approve")).to_be_checked()
    expect(page.get_by_label("Your password")).to_have_value("")  # asked for again, never refilled
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Complete").click()
    expect(page.locator(".flash-success")).to_be_visible()
    with app.app_context():
        from app.services.signature_verification import verify_instance

        assert verify_instance("default", instance_id)["ok"] is True
