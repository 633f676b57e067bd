"""Timers fire from the beat sweep through a real worker: boundary timers and timer start events."""

from __future__ import annotations

import time

import pytest

from tests.conftest import DATA
from tests.tasks.conftest import wait_for

pytestmark = pytest.mark.commits


def _history(api, instance_id) -> list[str]:
    return [h["element_id"] for h in api.get(f"/instances/{instance_id}/history").json["items"]]


def test_an_interrupting_boundary_timer_cancels_the_task_and_takes_its_path(api):
    assert api.deploy(DATA / "timers" / "boundary.bpmn").status_code in (200, 201)
    started = api.post("/process-definitions/timer_interrupting/instances", json={}).json
    assert started["active_elements"] == ["approve"]  # (not the boundary timer waiting on it)
    began = time.monotonic()
    wait_for(lambda: api.get(f"/instances/{started['id']}").json["active_elements"] == ["escalated"], 10)
    assert time.monotonic() - began >= 1.5  # PT2S, not at once
    history = api.get(f"/instances/{started['id']}/history").json["items"]
    states = {h["element_id"]: h["state"] for h in history}
    assert states["approve"] == "cancelled" and states["too_late"] == "completed"


def test_a_non_interrupting_cycle_timer_fires_each_period_and_leaves_the_task_open(api):
    assert api.deploy(DATA / "timers" / "boundary.bpmn").status_code in (200, 201)
    started = api.post("/process-definitions/timer_reminder/instances", json={}).json
    wait_for(lambda: _history(api, started["id"]).count("count_reminder") == 2, 10)
    time.sleep(1.5)
    assert _history(api, started["id"]).count("count_reminder") == 2  # R2: twice, never more
    body = api.get(f"/instances/{started['id']}").json
    assert body["status"] == "waiting" and [t["element_id"] for t in body["tasks"]] == ["review"]


def test_a_cycle_start_event_creates_instances_on_schedule(api):
    assert api.deploy(DATA / "timers" / "start_cycle.bpmn").status_code in (200, 201)

    def started():
        return api.get("/instances?key=maintenance_round").json["total"]

    wait_for(lambda: started() == 3, 10)
    time.sleep(1.5)
    assert started() == 3  # R3/PT1S: three instances, then the schedule is used up
    items = api.get("/instances?key=maintenance_round").json["items"]
    assert {i["started_by"] for i in items} == {"timer"}
    assert all("inspect" in i["active_elements"] for i in items)


def test_many_timers_due_together_fire_once_each_through_the_worker(api):
    assert api.deploy(DATA / "timers" / "boundary.bpmn").status_code in (200, 201)
    start = "/process-definitions/timer_interrupting/instances"
    ids = [api.post(start, json={}).json["id"] for _ in range(20)]

    def escalated():
        return all(api.get(f"/instances/{i}").json["active_elements"] == ["escalated"] for i in ids)

    wait_for(escalated, 15)
    assert all(_history(api, i).count("too_late") == 1 for i in ids)  # fired in batches, never twice


def test_a_deadline_that_interrupts_a_vote_keeps_the_votes_already_cast(api):
    """As in Camunda, a completed vote's variables are the process's at once: the deadline's path
    goes on with them. It went on with the values from before the vote began (no approvals, none
    of the voter's variables), though the instance had shown the vote counted."""
    assert api.deploy(DATA / "quorum" / "board_vote_deadline.bpmn").status_code in (200, 201)
    body = {"variables": {"board": ["finance", "operations", "engineering"], "needed": 2}}
    started = api.post("/process-definitions/board_vote_deadline/instances", json=body).json
    cast = {"variables": {"approved": True, "comment": "fine by finance"}}
    assert api.post(f"/tasks/{started['tasks'][0]['id']}/complete", json=cast).status_code == 200
    wait_for(lambda: api.get(f"/instances/{started['id']}").json["active_elements"] == ["Task_late"], 10)
    variables = api.get(f"/instances/{started['id']}").json["variables"]
    assert (variables["approvals"], variables["rejections"]) == (1, 0)
    assert variables["comment"] == "fine by finance"
