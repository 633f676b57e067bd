"""Conditional events as Camunda 7 runs them: checked whenever the process's variables change, not
only when a token arrives. Deployed, started and worked over HTTP."""

from __future__ import annotations

import pytest

from tests.conftest import DATA

START = {"ready": False, "delayDays": 0, "cancelOrder": False, "vip": False}


@pytest.fixture
def instance(admin) -> str:
    deployed = admin.deploy(DATA / "events" / "conditional_waits.bpmn")
    assert deployed.status_code == 201, deployed.json
    started = admin.post("/process-definitions/conditional_waits/instances", json={"variables": START})
    assert started.status_code == 201 and sorted(started.json["active_elements"]) == ["order", "partsReady"]
    return started.json["id"]


def _open(admin, iid) -> list[str]:
    return sorted(t["element_id"] for t in admin.get(f"/instances/{iid}").json["tasks"])


def _complete(admin, iid, element_id: str, **variables) -> None:
    (task,) = [t for t in admin.get(f"/instances/{iid}").json["tasks"] if t["element_id"] == element_id]
    done = admin.post(f"/tasks/{task['id']}/complete", json={"variables": variables})
    assert done.status_code == 200, done.json


def test_a_waiting_conditional_event_fires_when_another_branch_makes_it_true(admin, instance):
    # ${ready == true} waited for ever: it was checked only when the token arrived.
    _complete(admin, instance, "order", ready=True)
    assert _open(admin, instance) == ["assemble", "track"]


def test_non_interrupting_conditions_fire_once_when_they_become_true(admin, instance):
    _complete(admin, instance, "order", ready=True)
    # A boundary event (delayDays > 3) and an event subprocess start (vip), both non-interrupting:
    # each fires once when its condition becomes true. Baton re-armed them and, still true, they
    # fired again and again: the request that set them hung.
    _complete(admin, instance, "assemble", delayDays=5, vip=True)
    assert _open(admin, instance) == ["chase", "greet", "track"]
    _complete(admin, instance, "chase", delayDays=6)  # still late: not news, no second chase
    assert _open(admin, instance) == ["greet", "track"]


def test_an_interrupting_condition_ends_its_activity(admin, instance):
    _complete(admin, instance, "order", ready=True)
    _complete(admin, instance, "assemble", cancelOrder=True)
    assert _open(admin, instance) == ["refund"]
