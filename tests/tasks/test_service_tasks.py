"""Service tasks run in a real Celery worker on Redis, never in the web request."""

from __future__ import annotations

import os
import signal
import time

import pytest

from tests.conftest import DATA
from tests.tasks.conftest import wait_for

pytestmark = pytest.mark.commits


def _start(api, path, key, variables=None) -> dict:
    deployed = api.deploy(DATA / path)
    assert deployed.status_code in (200, 201), deployed.json
    started = api.post(f"/process-definitions/{key}/instances", json={"variables": variables or {}})
    assert started.status_code == 201, started.json
    return started.json


def _instance(api, instance_id) -> dict:
    return api.get(f"/instances/{instance_id}").json


def _open_incidents(api, instance_id) -> list:
    return api.get(f"/incidents?instance_id={instance_id}&status=open").json["items"]


def test_service_task_runs_in_the_worker_and_the_instance_advances(api):
    started = _start(api, "service/echo.bpmn", "svc_echo", {"order": 7})
    assert started["active_elements"] == ["call"]  # the request did not run the handler
    body = wait_for(lambda: (b := _instance(api, started["id"]))["active_elements"] == ["review"] and b)
    assert body["variables"]["echoed"] is True and body["variables"]["echo"] == {"order": 7}
    assert body["tasks"][0]["element_id"] == "review"


def test_a_bpmn_error_from_a_handler_is_caught_by_the_boundary_event(api):
    started = _start(api, "service/bpmn_error.bpmn", "svc_error")
    body = wait_for(lambda: (b := _instance(api, started["id"]))["active_elements"] == ["fix_payment"] and b)
    assert body["variables"]["errorCode"] == "CARD_DECLINED"
    history = [h["element_id"] for h in api.get(f"/instances/{started['id']}/history").json["items"]]
    assert "on_declined" in history and "paid" not in history


def test_a_caught_bpmn_error_sets_the_variables_the_boundary_event_names_and_the_handlers(api):
    started = _start(api, "service/bpmn_error_variables.bpmn", "svc_error_vars")
    body = wait_for(lambda: (b := _instance(api, started["id"]))["active_elements"] == ["fix_payment"] and b)
    assert body["variables"]["declineCode"] == "CARD_DECLINED"  # camunda:errorCodeVariable
    assert body["variables"]["declineReason"] == "insufficient funds"  # camunda:errorMessageVariable
    assert body["variables"]["retryAfterDays"] == 3  # BpmnError(..., variables=...), as handleBpmnError's


def test_a_failing_handler_is_retried_then_becomes_an_incident_that_can_be_retried(api, effects_dir):
    started = _start(api, "service/flaky.bpmn", "svc_flaky")
    iid = started["id"]
    incidents = wait_for(lambda: api.get(f"/incidents?instance_id={iid}&status=open").json["items"], 20)
    assert len(incidents) == 1 and "ERP is down" in incidents[0]["message"]
    assert incidents[0]["element_id"] == "sync"
    assert _instance(api, iid)["status"] == "failed"
    calls = next(effects_dir.glob("flaky-*.calls")).read_text().split()
    assert len(calls) == 3  # R3/PT1S: three attempts
    gaps = [float(b) - float(a) for a, b in zip(calls, calls[1:], strict=False)]
    assert all(0.7 <= gap <= 3.0 for gap in gaps), gaps  # about one second apart, jittered
    (effects_dir / "erp-is-up").write_text("yes")
    retried = api.post(f"/incidents/{incidents[0]['id']}/retry")
    assert retried.status_code == 200 and retried.json["status"] == "resolved"
    assert wait_for(lambda: _instance(api, iid)["status"] == "completed")
    assert api.post(f"/incidents/{incidents[0]['id']}/retry").status_code == 409


def test_a_failure_that_says_it_is_not_retryable_is_an_incident_after_one_attempt(api, effects_dir):
    started = _start(api, "service/closed_ledger.bpmn", "svc_closed_ledger")  # R3/PT1S in the model
    incident = wait_for(lambda: _open_incidents(api, started["id"]), 20)[0]
    assert "after 1 attempt(s)" in incident["message"] and "period is closed" in incident["message"]
    assert incident["element_id"] == "post" and _instance(api, started["id"])["status"] == "failed"
    (calls,) = effects_dir.glob("ledger-*.calls")
    assert len(calls.read_text().split()) == 1


def test_a_list_of_retry_intervals_waits_each_in_turn_then_opens_an_incident(api, effects_dir):
    started = _start(api, "service/interval_list.bpmn", "svc_interval_list")  # PT1S,PT2S
    incident = wait_for(lambda: _open_incidents(api, started["id"]), 20)[0]
    assert "after 3 attempt(s)" in incident["message"] and "mail gateway" in incident["message"]
    (calls,) = effects_dir.glob("fails-*.calls")
    times = [float(t) for t in calls.read_text().split()]
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert len(times) == 3 and 0.7 <= gaps[0] <= 1.9 and 1.5 <= gaps[1] <= 3.4, gaps


def test_a_suspended_instances_handler_is_not_called_again_and_its_result_is_kept(api, effects_dir):
    started = _start(api, "service/letter.bpmn", "svc_letter")
    calls = wait_for(lambda: list(effects_dir.glob("letter-*.calls")))[0]  # the handler is running
    assert api.post(f"/instances/{started['id']}/suspend").status_code == 200
    time.sleep(9)  # postponed while suspended (5 s at a time): never called again
    assert len(calls.read_text().split()) == 1
    assert _instance(api, started["id"])["status"] == "suspended"
    assert api.post(f"/instances/{started['id']}/resume").status_code == 200
    body = wait_for(lambda: (b := _instance(api, started["id"]))["status"] == "completed" and b, 15)
    assert body["variables"]["letter"] == "sent" and len(calls.read_text().split()) == 1


def test_a_worker_killed_mid_task_redelivers_without_losing_or_doubling_the_step(api, effects_dir):
    started = _start(api, "service/slow_counter.bpmn", "svc_slow")
    calls = wait_for(lambda: list(effects_dir.glob("slow-*.calls")))[0]
    pid = int(calls.read_text().split()[0])
    time.sleep(0.5)
    os.kill(pid, signal.SIGKILL)  # the pool process running the handler dies mid-sleep
    body = wait_for(lambda: (b := _instance(api, started["id"]))["status"] == "completed" and b, 30)
    assert body["variables"]["shipped"] is True
    assert len(calls.read_text().split()) == 2  # called again after the kill...
    assert len(list(effects_dir.glob("slow-*.effect"))) == 1  # ...but the side effect happened once
    history = [h["element_id"] for h in api.get(f"/instances/{started['id']}/history").json["items"]]
    assert history.count("ship") == 1 and history.count("end") == 1


def test_a_handler_that_kills_its_worker_each_time_becomes_an_incident_after_its_attempts(api, effects_dir):
    # The broker gave the message back after each death: the handler was called for ever, no incident.
    started = _start(api, "service/kills_its_worker.bpmn", "svc_killer")
    incident = wait_for(lambda: _open_incidents(api, started["id"]), 45)[0]
    assert "failed after 3 attempt(s)" in incident["message"] and "killed" in incident["message"]
    calls = next(effects_dir.glob("killer-*.calls"))
    assert len(calls.read_text().split()) == 3 and _instance(api, started["id"])["status"] == "failed"


def test_a_retry_with_corrected_variables_runs_the_handler_with_them(api):
    started = _start(api, "service/limit.bpmn", "svc_limit", {"amount": 500, "card": "c-1"})
    incident = wait_for(lambda: _open_incidents(api, started["id"]), 20)[0]
    assert "amount 500 is over the limit" in incident["message"]
    retried = api.post(f"/incidents/{incident['id']}/retry", json={"variables": {"amount": 50}})
    assert retried.status_code == 200, retried.json
    body = wait_for(lambda: (b := _instance(api, started["id"]))["status"] == "completed" and b, 20)
    assert body["variables"] == {"amount": 50, "card": "c-1", "charged": 50}
    assert _open_incidents(api, started["id"]) == []


@pytest.mark.parametrize(
    "handler, problem",
    [
        ("test.returns_date", "variable 'shipped_on' is a date, which is not a JSON value"),
        ("test.returns_list", "returned a list, not a dict of variables"),
    ],
)
def test_a_handler_returning_what_no_variable_can_hold_becomes_an_incident_naming_it(api, handler, problem):
    started = _start(api, "service/bad_outputs.bpmn", "svc_bad_outputs", {"handler": handler})
    incident = wait_for(lambda: _open_incidents(api, started["id"]), 20)[0]
    assert problem in incident["message"] and handler in incident["message"]
    assert incident["element_id"] == "sync"
    assert _instance(api, started["id"])["status"] == "failed"
