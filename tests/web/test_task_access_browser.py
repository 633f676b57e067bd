"""Task access in a real browser: a colleague's claimed task reads as theirs (no form, no buttons),
and a task the process assigned offers Delegate but no Unclaim."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.conftest import DATA, ROOT

pytestmark = pytest.mark.browser
PASSWORD = "access-pw-42"


@pytest.fixture(scope="module")
def claimed(live_server):
    """A review claimed by wp-alice (bob is a reviewer too), and a draft the process gave wp-pat."""
    from app.extensions import db
    from app.models import UserTask
    from app.services import identity
    from app.services.deployments import deploy
    from app.services.instances import start_instance
    from app.services.task_assignment import claim_task

    _, app = live_server
    with app.app_context():
        admin = identity.create_user("access-admin", roles="admin")
        for name in ("wp-alice", "wp-bob"):
            identity.create_user(name, password=PASSWORD)
            identity.add_to_group(name, "reviewers")
        pat = identity.create_user("wp-pat", password=PASSWORD)
        identity.create_user("wp-tom", password=PASSWORD)
        identity.create_user("wp-modeler", password=PASSWORD, roles="modeler")
        models = [DATA / "simple" / "two_steps.bpmn", ROOT / "bpmn" / "regulatory_work_order.bpmn"]
        deploy([(path.name, path.read_bytes()) for path in models], admin)
        instance, _ = start_instance("two_steps", admin, {}, "REV-1")
        review = db.session.execute(select(UserTask.id).where(UserTask.instance_id == instance.id))
        review = review.scalar_one()
        claim_task(identity.find_user("wp-alice"), review)
        start_instance("regulatory_work_order", pat, {"title": "Calibrate"}, "RWO-1")
        return str(review)


def sign_in(page, base_url: str, username: str) -> None:
    page.goto(base_url + "/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Inbox")).to_be_visible()


def test_a_reviewer_opens_a_task_a_colleague_holds_and_reads_it_only(page, live_server, claimed):
    base_url, _ = live_server
    sign_in(page, base_url, "wp-bob")
    page.goto(f"{base_url}/?tab=all&process=two_steps")
    row = page.locator(f'li.task[data-task-id="{claimed}"]')
    expect(row).to_contain_text("assigned to wp-alice")
    expect(row.get_by_role("button")).to_have_count(0)
    row.get_by_role("link", name="Review request").click()

    expect(page.get_by_role("heading", name="Review request", level=1)).to_be_visible()
    expect(page.locator(".meta").first).to_contain_text("Assigned to wp-alice")
    expect(page.locator(".held")).to_contain_text("wp-alice has claimed this task")
    expect(page.locator("main").get_by_role("button")).to_have_count(0)  # no Complete, Claim, Delegate


def test_a_task_the_process_assigned_is_delegated_not_unclaimed(page, live_server, claimed):
    base_url, _ = live_server
    sign_in(page, base_url, "wp-pat")
    row = page.locator("li.task", has_text="Prepare draft")
    expect(row.get_by_role("button", name="Delegate")).to_be_visible()
    expect(row.get_by_role("button", name="Unclaim")).to_have_count(0)
    options = row.get_by_role("combobox").locator("option")
    expect(options).to_contain_text(["wp-tom"])
    expect(options.filter(has_text="wp-modeler")).to_have_count(0)  # works on no task
    row.get_by_role("combobox").select_option("wp-tom")
    row.get_by_role("button", name="Delegate").click()
    expect(page.locator(".flash-success")).to_contain_text("now assigned to wp-tom")
    expect(page.locator('[data-count="mine"]')).to_have_text("0")
