"""The SLA page in a real browser: a service-desk agent sees an at-risk and a breached incident and
the compliance of the closed ones, by process and by team. Time moves on a frozen clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.conftest import ROOT
from tests.frozen_clock import freeze_sla_clock

pytestmark = pytest.mark.browser
PASSWORD = "desk-agent-42"
T0 = datetime(2025, 3, 3, 9, tzinfo=UTC)  # incident_management: slaHours 8, wall-clock


def _work(user, instance_id, element_id, **variables) -> None:
    from app.extensions import db
    from app.models import UserTask
    from app.services.tasks import complete_task

    query = select(UserTask.id).where(UserTask.instance_id == instance_id, UserTask.element_id == element_id)
    complete_task(user, db.session.execute(query.where(UserTask.status == "open")).scalar_one(), variables)


def _resolve(agent, instance_id) -> None:
    _work(agent, instance_id, "Task_triage", route="first_line")
    _work(agent, instance_id, "Task_resolve_l1")
    _work(agent, instance_id, "Task_verify", verified=True)


def _incidents(app, clock) -> dict:
    """Two resolved incidents (one in 1 h, one in 9 h) and two open ones, 9 h and 7 h old."""
    from app.services import identity
    from app.services.deployments import deploy
    from app.services.instances import start_instance

    with app.app_context():
        admin = identity.create_user("sla-admin", roles="admin")
        identity.create_user("agent", password=PASSWORD, display_name="Desk Agent")
        agent = identity.add_to_group("agent", "service-desk")
        model = (ROOT / "bpmn" / "incident_management.bpmn").read_bytes()
        deploy([("incident_management.bpmn", model)], admin)

        def begin(key):
            return start_instance("incident_management", agent, {"summary": key}, key)[0].id

        quick, slow, old = begin("INC-QUICK"), begin("INC-SLOW"), begin("INC-OLD")
        clock.moment = T0 + timedelta(hours=1)
        _resolve(agent, quick)
        clock.moment = T0 + timedelta(hours=2)
        recent = begin("INC-RECENT")
        clock.moment = T0 + timedelta(hours=9)
        _resolve(agent, slow)
        return {"old": str(old), "recent": str(recent)}


def test_an_agent_sees_at_risk_and_breached_incidents_and_the_compliance(page, live_server, monkeypatch):
    base_url, app = live_server
    clock = freeze_sla_clock(monkeypatch, T0)
    ids = _incidents(app, clock)
    page.goto(base_url + "/")
    page.get_by_label("Username").fill("agent")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="SLA").click()

    expect(page.get_by_role("heading", name="SLA", level=1)).to_be_visible()
    breached, at_risk = (page.locator(f'tr[data-instance="{ids[k]}"]') for k in ("old", "recent"))
    expect(breached).to_have_attribute("data-state", "breached")
    expect(breached.locator(".badge")).to_have_text("breached")
    expect(breached.locator(".remaining")).to_have_text("overdue by 1.0 h")
    expect(at_risk).to_have_attribute("data-state", "at-risk")
    expect(at_risk.locator(".elapsed")).to_have_text("7.0 h (88 %)")
    expect(at_risk.locator(".remaining")).to_have_text("1.0 h")
    expect(page.locator("table.sla-open tbody tr")).to_have_count(2)  # the resolved ones are closed

    by_process = page.get_by_role("table", name="By process").locator("tr[data-definition_key]")
    expect(by_process.locator("td")).to_have_text(["0", "1", "1", "2", "50 %", "5.0 h", "5.0 h"])
    by_team = page.get_by_role("table", name="By team").locator('tr[data-team="service-desk"]')
    expect(by_team.locator(".compliance")).to_have_text("50 %")
