"""Driving an example process over HTTP: deploy it, start it, work its tasks, read where it ended."""

from __future__ import annotations

from tests.conftest import ROOT, signature


def deploy(api, *names: str) -> None:
    paths = [ROOT / ("dmn" if n.endswith(".dmn") else "bpmn") / n for n in names]
    deployed = api.deploy(*paths)
    assert deployed.status_code == 201, deployed.json


def start(api, key: str, business_key: str | None = None, **variables) -> str:
    started = api.post(
        f"/process-definitions/{key}/instances", json={"variables": variables, "business_key": business_key}
    )
    assert started.status_code == 201, started.json
    return started.json["id"]


def open_tasks(api, instance_id) -> list[dict]:
    return api.get(f"/tasks?instance_id={instance_id}").json["items"]


def complete(api, instance_id, element_id, reason=None, signed=None, **variables) -> dict:
    """Complete the one open task of `element_id`; returns the task as it was offered. `signed`, a
    decision, signs it as `api`'s user (with their password)."""
    tasks = [t for t in open_tasks(api, instance_id) if t["element_id"] == element_id]
    assert tasks, f"no open {element_id}: {[t['element_id'] for t in open_tasks(api, instance_id)]}"
    body = {"variables": variables}
    if reason is not None:
        body["reason"] = reason
    if signed is not None:
        body["signature"] = signature(api, signed)
    done = api.post(f"/tasks/{tasks[0]['id']}/complete", json=body)
    assert done.status_code == 200, done.json
    return tasks[0]


def instance(api, instance_id) -> dict:
    return api.get(f"/instances/{instance_id}").json


def visited(api, instance_id) -> list[str]:
    return [h["element_id"] for h in api.get(f"/instances/{instance_id}/history").json["items"]]


def ended(api, instance_id, end_event: str, outcome: str) -> dict:
    """Assert the instance completed at `end_event` with `outcome` recorded on it."""
    body = instance(api, instance_id)
    assert body["status"] == "completed", body
    assert end_event in visited(api, instance_id)
    assert body["outcome"] == outcome, body
    return body


def form_values(api, instance_id, element_id) -> dict:
    """The values the open task of `element_id` offers its form with (what the inbox prefills)."""
    tasks = [t for t in open_tasks(api, instance_id) if t["element_id"] == element_id]
    return api.get(f"/tasks/{tasks[0]['id']}/form").json["values"]
