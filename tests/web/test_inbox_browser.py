"""The inbox in a real browser: sign in, find the task, fill its form wrong then right, move on."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import DATA

pytestmark = pytest.mark.browser
PASSWORD = "inspect-me-42"


@pytest.fixture(scope="module")
def inspection(live_server):
    """An inspection instance waiting for `inspector`, committed to the browser database."""
    from app.services import identity
    from app.services.deployments import deploy
    from app.services.instances import start_instance

    _, app = live_server
    with app.app_context():
        admin = identity.create_user("admin", roles="admin")
        inspector = identity.create_user("inspector", password=PASSWORD, display_name="Ida Inspector")
        identity.create_user("colleague", password="colleague-pw")
        deploy([("inspection.bpmn", (DATA / "inbox" / "inspection.bpmn").read_bytes())], admin)
        instance, _ = start_instance("inspection", inspector, {"part_number": "PN-7"}, "PART-7")
        return str(instance.id)


def sign_in(page, base_url: str, username: str = "inspector", password: str = PASSWORD) -> None:
    page.goto(base_url + "/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Inbox")).to_be_visible()


def diagram_marks(page, element_id: str, marker: str):
    expect(page.locator("#diagram")).to_have_attribute("data-ready", "true")
    return page.locator(f'#diagram svg g.djs-element.{marker}[data-element-id="{element_id}"]')


def test_inspector_completes_two_tasks_from_the_inbox(page, live_server, inspection):
    base_url, _ = live_server
    sign_in(page, base_url)
    expect(page.locator('[data-count="mine"]')).to_have_text("1")
    bell = page.locator("#bell summary")
    expect(bell).to_have_accessible_name("Notifications, 1 unread")
    bell.focus()
    page.keyboard.press("Enter")  # the bell menu opens from the keyboard
    expect(page.get_by_role("link", name="New task: Inspect part")).to_be_visible()
    page.keyboard.press("Enter")
    page.get_by_role("link", name="Inspect part").click()

    expect(page.get_by_role("heading", name="Inspect part", level=1)).to_be_visible()
    expect(page.locator(".markdown strong")).to_have_text("Measure")
    expect(page.locator(".markdown")).to_contain_text("<script>")  # shown as text, never run
    expect(diagram_marks(page, "inspect", "baton-current")).to_have_count(1)
    expect(diagram_marks(page, "start", "baton-done")).to_have_count(1)
    expect(page.get_by_label("Grade")).to_have_value("B")

    page.get_by_label("Measurement (µm)").fill("150")
    page.get_by_label("Notes").fill("bore ok")
    page.get_by_role("button", name="Complete").click()
    error = page.locator('[data-field="measurement"] .error')
    expect(error).to_have_text("Must be at most 100.")
    expect(page.get_by_label("Notes")).to_have_value("bore ok")
    expect(page.locator('[data-field="notes"] .error')).to_have_count(0)

    page.get_by_label("Measurement (µm)").fill("42")
    page.get_by_role("button", name="Complete").click()
    expect(page.get_by_role("heading", name="Confirm inspection", level=1)).to_be_visible()
    expect(page.locator(".flash-success")).to_contain_text("Next: Confirm inspection")
    expect(page.locator(".vars")).to_contain_text("measurement")
    expect(diagram_marks(page, "confirm", "baton-current")).to_have_count(1)
    expect(diagram_marks(page, "inspect", "baton-done")).to_have_count(1)

    page.get_by_label("The values are right").check()
    page.get_by_role("button", name="Complete").click()
    expect(page.get_by_role("heading", name="Inbox")).to_be_visible()
    expect(page.locator(".flash-success")).to_contain_text("Nothing else in this case")
    expect(page.locator('[data-count="mine"]')).to_have_text("0")

    page.goto(f"{base_url}/instances/{inspection}")
    expect(page.locator(".badge-status-completed")).to_be_visible()
    expect(page.locator("#diagram")).to_have_attribute("data-ready", "true")
    expect(page.locator(".baton-visits")).to_have_count(4)
    expect(page.locator(".vars")).to_contain_text(re.compile(r"confirmed\s*true"))


def test_process_started_from_the_start_page_shows_its_camunda_form(page, live_server, inspection):
    base_url, app = live_server
    from app.services import identity
    from app.services.deployments import deploy

    with app.app_context():
        files = [(name, (DATA / "inbox" / name).read_bytes()) for name in ("approval.bpmn", "approval.form")]
        deploy(files, identity.find_user("admin"))
    sign_in(page, base_url)
    page.get_by_role("link", name="Start a process").click()
    page.locator("li", has_text="Spend approval").get_by_label("Business key").fill("SPEND-1")
    page.get_by_role("button", name="Start Spend approval").click()

    expect(page.get_by_role("heading", name="Request spend", level=1)).to_be_visible()
    expect(page.locator(".crumbs")).to_contain_text("approval · SPEND-1")
    instance_url = page.locator(".crumbs a").nth(1).get_attribute("href")
    expect(page.locator("#form-js")).to_have_attribute("data-ready", "true")
    page.get_by_label("Amount").fill("5000")
    page.get_by_role("button", name="Complete").click()
    expect(page.locator("#form-js")).to_contain_text("1000")  # form-js's own bound message, not sent
    page.get_by_label("Amount").fill("250")
    page.get_by_label("Comment").fill("new gauge")
    page.get_by_role("button", name="Complete").click()

    expect(page.locator(".flash-success")).to_contain_text("Nothing else in this case")
    page.goto(base_url + instance_url)
    expect(page.locator(".vars")).to_contain_text(re.compile(r"amount\s*250"))
    expect(page.locator(".vars")).to_contain_text("new gauge")
    expect(page.locator(".baton-token")).to_have_count(1)  # waiting at "Approve request" for boss
