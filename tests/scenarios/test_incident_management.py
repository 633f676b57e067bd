"""Incident management: triage, first or second line, escalation after four hours, the caller verifies."""

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Job
from app.services import job_runs
from tests.due_jobs import claimed
from tests.scenarios.flow import complete, deploy, ended, form_values, open_tasks, start, visited

KEY = "incident_management"


@pytest.fixture
def desk(admin):
    deploy(admin, "incident_management.bpmn")
    return admin


def test_first_line_resolves_and_the_caller_verifies(desk):
    iid = start(desk, KEY, summary="printer jam")
    complete(desk, iid, "Task_triage", route="first_line")
    complete(desk, iid, "Task_resolve_l1")
    complete(desk, iid, "Task_verify", verified=True)
    ended(desk, iid, "End_resolved", "resolved")
    assert "Task_resolve_l2" not in visited(desk, iid)


def test_an_unverified_fix_reopens_and_second_line_resolves_it(desk):
    iid = start(desk, KEY, summary="VPN down")
    complete(desk, iid, "Task_triage", route="first_line")
    complete(desk, iid, "Task_resolve_l1")
    complete(desk, iid, "Task_verify", verified=False)
    assert form_values(desk, iid, "Task_triage")["route"] is None  # not the first triage's first_line
    complete(desk, iid, "Task_triage", route="second_line")
    complete(desk, iid, "Task_resolve_l2")
    assert form_values(desk, iid, "Task_verify")["verified"] is None  # nor the first answer's "no"
    complete(desk, iid, "Task_verify", verified=True)
    ended(desk, iid, "End_resolved", "resolved")


def test_a_duplicate_is_closed_at_triage(desk):
    iid = start(desk, KEY, summary="VPN down again")
    complete(desk, iid, "Task_triage", route="duplicate")
    ended(desk, iid, "End_duplicate", "duplicate")


def test_first_line_work_escalates_to_second_line_after_four_hours(desk):
    iid = start(desk, KEY, summary="mail slow")
    complete(desk, iid, "Task_triage", route="first_line")
    timer = db.session.execute(select(Job).where(Job.instance_id == iid, Job.kind == "timer")).scalar_one()
    hours = (timer.due_at - timer.created_at).total_seconds() / 3600
    assert 3.99 < hours < 4.01
    assert job_runs.run_job(claimed(timer).id) == "fired"  # what the beat sweep does when it falls due
    assert [t["element_id"] for t in open_tasks(desk, iid)] == ["Task_resolve_l2"]
    complete(desk, iid, "Task_resolve_l2")
    complete(desk, iid, "Task_verify", verified=True)
    ended(desk, iid, "End_resolved", "resolved")
