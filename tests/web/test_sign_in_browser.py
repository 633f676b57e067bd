"""Signing in from a page left open until its session ended (the QA pass's stale login page)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser
PASSWORD = "sign-in-pw-42"


@pytest.fixture(scope="module")
def sam(live_server) -> str:
    from app.services import identity

    _, app = live_server
    with app.app_context():
        identity.create_user("signin-sam", password=PASSWORD)
    return "signin-sam"


def test_a_sign_in_page_left_open_until_the_session_ended_still_signs_in(page, live_server, sam):
    base_url, _ = live_server
    page.goto(f"{base_url}/login")
    page.context.clear_cookies()  # the session expired while the page stayed open
    page.get_by_label("Username").fill(sam)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Inbox")).to_be_visible()  # not "The form expired"
