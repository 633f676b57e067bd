"""A Camunda Form the server refused: the summary names each field by its label and its link focuses
the field's input; each message shows once under its field (plus the summary), not three times."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import DATA
from tests.web.test_inbox_browser import sign_in

pytestmark = pytest.mark.browser
PASSWORD = "torque-pw-42"


@pytest.fixture(scope="module")
def torque_task(live_server) -> str:
    from app.services import identity
    from app.services.deployments import deploy
    from app.services.instances import start_instance

    _, app = live_server
    with app.app_context():
        admin = identity.create_user("torque-admin", roles="admin")
        identity.create_user("cf-ines", password=PASSWORD)
        identity.add_to_group("cf-ines", "torque-inspectors")
        deploy(
            [
                (p.name, p.read_bytes())
                for p in (DATA / "forms" / "torque.bpmn", DATA / "forms" / "torque.form")
            ],
            admin,
        )
        from app.services.tasks import tasks_of_instance

        instance, _ = start_instance("torque", admin, {}, "CF-1")
        return str(tasks_of_instance(admin, instance)[0].id)


def test_server_errors_of_a_camunda_form_name_the_label_link_the_input_and_show_once(
    page, live_server, torque_task
):
    base_url, _ = live_server
    sign_in(page, base_url, "cf-ines", PASSWORD)
    page.goto(f"{base_url}/tasks/{torque_task}")
    expect(page.locator("#form-js")).to_have_attribute("data-ready", "true")
    # What a browser whose checks were bypassed sends (as the QA pass did): the server checks again.
    page.evaluate(
        """() => {
            const sent = {inspector_note: "a", torque: 99};
            document.getElementById("form-data-input").value = JSON.stringify(sent);
            document.getElementById("task-form").submit();
        }"""
    )
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link")).to_have_text(
        ["Inspector note: Must be at least 3 characters.", "Torque (Nm): Must be at most 50."]
    )
    note = page.get_by_label("Inspector note")
    expect(summary.get_by_role("link").first).to_have_attribute("href", "#" + note.get_attribute("id"))
    page.wait_for_timeout(500)  # form-js checks prefilled fields again after drawing them
    for message in ("Must be at least 3 characters.", "Must be at most 50."):
        expect(page.get_by_text(message)).to_have_count(2)  # the summary's link and under the field
        expect(page.locator("#form-js .fjs-form-field-error", has_text=message)).to_have_count(1)
    expect(page.locator("#form-error-list")).to_have_count(0)
    expect(page.get_by_text(re.compile("inspector_note|torque:"))).to_have_count(0)

    summary.get_by_role("link", name=re.compile("Torque")).click()
    expect(page.get_by_label("Torque (Nm)")).to_be_focused()
    page.get_by_label("Torque (Nm)").fill("40")  # corrected: form-js's own check takes over
    expect(page.locator("#form-js .fjs-form-field-error", has_text="at most 50")).to_have_count(0)
