"""Camunda 8 models whose FEEL Zeebe reads differently from a plain FEEL engine: timer cycles
built with `cycle()`, conditions that give no boolean, and calls to functions FEEL does not
have. Deployed and driven over HTTP; timers fire through the job a worker runs, on a frozen clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Job
from app.models.jobs import TIMER
from app.services.job_runs import run_job
from tests.conftest import DATA
from tests.frozen_clock import freeze_timer_clock

ZEEBE = DATA / "zeebe"
NOON = datetime(2025, 3, 3, 12, tzinfo=UTC)


@pytest.fixture
def clock(monkeypatch):
    return freeze_timer_clock(monkeypatch, NOON)


def _timer_rows(instance_id) -> list[Job]:
    query = select(Job).where(Job.instance_id == instance_id, Job.kind == TIMER)
    return list(db.session.execute(query).scalars())


def _fire_next(clock, instance_id) -> int:
    """Fire the instance's timer row when it is due; the whole hours after NOON it was due at."""
    (row,) = _timer_rows(instance_id)
    clock.moment = row.due_at
    assert run_job(row.id) == "fired"
    return _hours(row.due_at)


def _hours(due: datetime) -> int:
    hours, rest = divmod(due - NOON, timedelta(hours=1))
    assert rest == timedelta(0), f"{due} is off the hourly grid from {NOON}"
    return hours


def _reminders(admin, instance_id) -> int:
    history = admin.get(f"/instances/{instance_id}/history").json["items"]
    return [h["element_id"] for h in history].count("note")


def test_a_timer_cycle_written_with_feel_cycle_and_a_count_fires_that_many_times(admin, clock):
    assert admin.deploy(ZEEBE / "reminders.bpmn").status_code == 201
    variables = {"times": 2, "period": "PT1H"}  # =cycle(times, duration(period)): "R2/PT1H"
    started = admin.post("/process-definitions/z8_reminders/instances", json={"variables": variables})
    assert started.status_code == 201, started.json
    iid = started.json["id"]
    assert _fire_next(clock, iid) == 1
    assert _fire_next(clock, iid) == 2
    assert _timer_rows(iid) == []  # R2: used up
    body = admin.get(f"/instances/{iid}").json
    assert _reminders(admin, iid) == 2 and [t["element_id"] for t in body["tasks"]] == ["review"]


def test_a_timer_cycle_written_with_feel_cycle_alone_repeats_for_ever(admin, clock):
    assert admin.deploy(ZEEBE / "reminders.bpmn").status_code == 201
    variables = {"period": "PT1H"}  # =cycle(duration(period)): "R/PT1H"
    started = admin.post("/process-definitions/z8_reminders/instances", json={"variables": variables})
    assert started.status_code == 201, started.json
    iid = started.json["id"]
    for hours in (1, 2, 3):
        assert _fire_next(clock, iid) == hours
    assert _reminders(admin, iid) == 3
    (row,) = _timer_rows(iid)  # "R/PT1H": the next period waits
    assert _hours(row.due_at) == 4


def test_deploy_warns_of_a_call_to_a_function_feel_does_not_have_naming_file_element_and_function(admin):
    # `getOrElse` is no FEEL function (Camunda's is `get or else`): it gives null when evaluated.
    model = (ZEEBE / "discount.bpmn").read_bytes()
    misspelt = model.replace(b"=get or else(customer.tier", b"=getOrElse(customer.tier")
    misspelt = misspelt.replace(b"=is defined(discount.rate)<", b"=is defined(discount.rate) and ok(1)<")
    deployed = admin.deploy_bytes({"misspelt.bpmn": misspelt})
    assert deployed.status_code == 201, deployed.json
    warned = {(w["file"], w["element_id"]): w["message"] for w in deployed.json["warnings"]}
    assert set(warned) == {("misspelt.bpmn", "tier"), ("misspelt.bpmn", "yes")}
    assert "getOrElse()" in warned[("misspelt.bpmn", "tier")]
    assert (
        "ok()" in warned[("misspelt.bpmn", "yes")]
        and "neither FEEL nor Camunda" in warned[("misspelt.bpmn", "yes")]
    )


def test_feel_and_camunda_functions_and_functions_the_expression_defines_deploy_without_warning(admin):
    model = (ZEEBE / "discount.bpmn").read_bytes()  # is defined, get or else, not
    own = model.replace(
        b"=get or else(customer.tier, &#34;standard&#34;)",
        b"={pick: function(t) get or else(t, &#34;standard&#34;), tier: pick(customer.tier)}.tier",
    )
    deployed = admin.deploy_bytes({"own.bpmn": own})
    assert deployed.status_code == 201, deployed.json
    assert deployed.json["warnings"] == []


def _start_routing(admin, model: bytes, variables: dict) -> dict:
    assert admin.deploy_bytes({"routing.bpmn": model}).status_code == 201
    started = admin.post("/process-definitions/z8_routing/instances", json={"variables": variables})
    assert started.status_code == 201, started.json
    return started.json


@pytest.mark.parametrize(
    "variables, kind", [({}, "NULL"), ({"amount": "lots"}, "NULL"), ({"amount": [1]}, "NULL")]
)
def test_a_condition_that_gives_no_boolean_is_an_incident_on_the_gateway_a_retry_routes(
    admin, variables, kind
):
    # Zeebe: "Expected result of the expression ... to be 'BOOLEAN', but was 'NULL'", not false
    # (which would have taken the default flow to `book`).
    started = _start_routing(admin, (ZEEBE / "routing.bpmn").read_bytes(), variables)
    assert started["status"] == "failed" and started["active_elements"] == ["amountCheck"], started
    (incident,) = admin.get("/incidents", query_string={"instance_id": started["id"]}).json["items"]
    assert incident["element_id"] == "amountCheck"
    assert "sequence flow 'big'" in incident["message"], incident
    assert f"expression '=amount > 1000' to be 'BOOLEAN', but was '{kind}'" in incident["message"]

    retried = admin.post(f"/incidents/{incident['id']}/retry", json={"variables": {"amount": 5000}})
    assert retried.status_code == 200, retried.json
    body = admin.get(f"/instances/{started['id']}").json
    assert body["status"] == "waiting" and body["active_elements"] == ["managerApproval"]


def test_a_condition_that_gives_a_number_names_its_type(admin):
    model = (ZEEBE / "routing.bpmn").read_bytes().replace(b"=amount &gt; 1000", b"=amount")
    started = _start_routing(admin, model, {"amount": 5000})
    (incident,) = admin.get("/incidents", query_string={"instance_id": started["id"]}).json["items"]
    assert "expression '=amount' to be 'BOOLEAN', but was 'NUMBER'" in incident["message"]


def test_outside_camunda_8_a_condition_that_gives_null_is_false_as_before(admin):
    # A model not drawn for Camunda 8 keeps Camunda 7's reading: the default flow is taken.
    model = (ZEEBE / "routing.bpmn").read_bytes().replace(b'modeler:executionPlatform="Camunda Cloud"', b"")
    started = _start_routing(admin, model, {})
    assert started["status"] == "waiting" and started["active_elements"] == ["book"], started


def test_an_inclusive_gateways_condition_that_gives_null_is_retried_with_the_variable_set(admin):
    # An inclusive gateway takes its data from the branch that reached it when it runs: the retry's
    # variables must reach its conditions all the same, or the retry fails on the old values.
    assert admin.deploy(ZEEBE / "inclusive_routing.bpmn").status_code == 201
    started = admin.post("/process-definitions/z8_inclusive/instances", json={"variables": {"a": 5}}).json
    assert started["status"] == "failed" and started["active_elements"] == ["split"], started
    (incident,) = admin.get("/incidents", query_string={"instance_id": started["id"]}).json["items"]
    assert "sequence flow 'toB': expected result of the expression '=b > 1'" in incident["message"]

    retried = admin.post(f"/incidents/{incident['id']}/retry", json={"variables": {"b": 5}})
    assert retried.status_code == 200, retried.json
    body = admin.get(f"/instances/{started['id']}").json
    assert body["status"] == "waiting" and sorted(body["active_elements"]) == ["A", "B"], body
    assert body["variables"]["b"] == 5


def test_a_condition_on_a_flow_straight_out_of_a_task_that_gives_null_is_an_incident_on_the_task(admin):
    # No gateway is drawn: the hidden split after `check` fails, and what a person sees (the
    # incident, the active elements, a retry's answer) is the task the flows leave.
    assert admin.deploy(ZEEBE / "task_routing.bpmn").status_code == 201
    started = admin.post("/process-definitions/z8_task_routing/instances", json={}).json
    assert admin.post(f"/tasks/{started['tasks'][0]['id']}/complete", json={}).status_code == 200
    failed = admin.get(f"/instances/{started['id']}").json
    assert failed["status"] == "failed" and failed["active_elements"] == ["check"], failed
    (incident,) = admin.get("/incidents", query_string={"instance_id": started["id"]}).json["items"]
    assert incident["element_id"] == "check" and incident["task_id"] is not None, incident
    assert "sequence flow 'big': expected result of the expression '=amount > 1000'" in incident["message"]

    again = admin.post(f"/incidents/{incident['id']}/retry", json={"variables": {"amount": "lots"}})
    assert again.status_code == 409 and again.json["details"]["element_id"] == "check", again.json
    assert "the retry failed at 'check'" in again.json["message"]
    (reopened,) = admin.get("/incidents", query_string={"instance_id": started["id"], "status": "open"}).json[
        "items"
    ]
    retried = admin.post(f"/incidents/{reopened['id']}/retry", json={"variables": {"amount": 5000}})
    assert retried.status_code == 200, retried.json
    body = admin.get(f"/instances/{started['id']}").json
    assert body["status"] == "waiting" and body["active_elements"] == ["managerApproval"], body
