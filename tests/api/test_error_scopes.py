"""A BPMN error or escalation is caught by the innermost scope around whatever threw it, as BPMN 2.0
and Camunda propagate it: the throwing activity's boundary events, then the sub-process's, and so
on; within one scope an event naming the code wins over a catch-all one. Never a boundary event of
a task on another branch, and never two paths for one error."""

import pytest
from sqlalchemy import select

import tests.tasks.handlers  # noqa: F401 - registers test.decline (throws CARD_DECLINED)
from app.extensions import db
from app.models import Job
from app.services import job_runs
from tests.conftest import DATA

MODELS = DATA / "error_scopes"


def _start(api, key: str, **variables) -> str:
    assert api.deploy(MODELS / f"{key}.bpmn").status_code == 201
    started = api.post(f"/process-definitions/{key}/instances", json={"variables": variables})
    assert started.status_code == 201, started.json
    return started.json["id"]


def _run_service_job(instance_id: str) -> str:
    job = db.session.execute(select(Job).where(Job.instance_id == instance_id, Job.kind == "service"))
    return job_runs.run_job(job.scalar_one().id)


def _open_tasks(api, instance_id: str) -> list[str]:
    return sorted(t["element_id"] for t in api.get(f"/tasks?instance_id={instance_id}").json["items"])


def test_a_handlers_error_takes_the_boundary_event_naming_its_code_not_the_catch_all_too(admin):
    iid = _start(admin, "charge_two_catches")
    assert _run_service_job(iid) == "done"
    assert _open_tasks(admin, iid) == ["fix_payment"]
    assert admin.get(f"/instances/{iid}").json["active_elements"] == ["fix_payment"]


def test_a_handlers_error_in_a_subprocess_is_caught_by_the_subprocess_not_a_parallel_tasks_boundary(admin):
    iid = _start(admin, "payment_subprocess")
    assert _run_service_job(iid) == "done"
    instance = admin.get(f"/instances/{iid}").json
    assert instance["status"] == "waiting" and instance["active_elements"] == ["fix_payment"]
    assert _open_tasks(admin, iid) == ["fix_payment"]
    assert admin.get("/incidents", query_string={"instance_id": iid}).json["items"] == []


@pytest.mark.parametrize("kind", ["error", "escalation"])
def test_an_end_events_code_takes_the_boundary_event_naming_it_not_the_catch_all_too(admin, kind):
    iid = _start(admin, f"{kind}_end_two_catches")
    assert admin.get(f"/instances/{iid}").json["active_elements"] == ["tell_customer"]
    assert _open_tasks(admin, iid) == ["tell_customer"]


def test_a_caught_handler_error_leaves_the_tasks_local_inputs_behind(admin):
    """Input parameters are the task's own variables (Camunda 7 and 8): after a caught error the
    path goes on with the process's, one an input shadowed as it was, and the error's."""
    iid = _start(admin, "charge_with_inputs", order={"total": 40}, currency="USD")
    assert _run_service_job(iid) == "done"
    instance = admin.get(f"/instances/{iid}").json
    assert instance["active_elements"] == ["fix_payment"]
    assert instance["variables"] == {
        "order": {"total": 40},
        "currency": "USD",
        "errorCode": "CARD_DECLINED",
        "errorMessage": "insufficient funds",
    }


def test_an_error_from_one_instance_of_a_multi_instance_task_is_caught_on_the_activity(admin):
    """It was an incident: the instance, dropped with its interrupted activity, still looked
    unfinished to the check that nothing caught it. The others' jobs are cancelled with it."""
    iid = _start(admin, "charge_each_card", cards=["visa", "amex"])
    first, second = db.session.execute(select(Job).where(Job.instance_id == iid)).scalars()
    assert job_runs.run_job(first.id) == "done"
    instance = admin.get(f"/instances/{iid}").json
    assert instance["status"] == "waiting" and instance["active_elements"] == ["fix_payment"]
    assert "card" not in instance["variables"] and "loopCounter" not in instance["variables"]
    assert admin.get("/incidents", query_string={"instance_id": iid}).json["items"] == []
    assert job_runs.run_job(second.id) == "skipped"
