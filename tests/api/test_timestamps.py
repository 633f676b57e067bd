"""Every timestamp the API returns carries its UTC offset, on PostgreSQL and on SQLite alike."""

import re

import pytest

from tests.conftest import DATA

ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(?P<offset>[+-]\d\d:\d\d|Z)?$")


def _timestamps(value, path="$"):
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _timestamps(item, f"{path}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _timestamps(item, f"{path}[{i}]")
    elif isinstance(value, str) and ISO.match(value):
        yield path, value


def _answers(api) -> dict:
    """A deploy, a start, reads, a claim, a completion and a cancel: what a client sees of each."""
    seen = {"deploy": api.deploy(DATA / "simple" / "two_steps.bpmn").json}
    seen["definition"] = api.get("/process-definitions/two_steps").json
    started = api.post("/process-definitions/two_steps/instances", json={}).json
    task_id = started["tasks"][0]["id"]
    seen |= {"start": started, "instance": api.get(f"/instances/{started['id']}").json}
    seen["claim"] = api.post(f"/tasks/{task_id}/claim").json
    seen["complete"] = api.post(f"/tasks/{task_id}/complete", json={}).json
    seen["task"] = api.get(f"/tasks/{task_id}?").json
    seen["tasks"] = api.get("/tasks?status=completed").json
    seen["history"] = api.get(f"/instances/{started['id']}/history").json
    seen["cancel"] = api.post(f"/instances/{started['id']}/cancel", json={"reason": "test"}).json
    seen["instances"] = api.get("/instances").json
    seen["audit"] = api.get("/audit").json
    return seen


@pytest.mark.parametrize("database", ["postgresql", "sqlite"])
def test_every_timestamp_in_the_answers_carries_its_utc_offset(database, request):
    api = request.getfixturevalue("admin" if database == "postgresql" else "sqlite_admin")
    found = [(name, *stamp) for name, body in _answers(api).items() for stamp in _timestamps(body)]
    assert len(found) > 20, found
    missing = [f for f in found if ISO.match(f[2])["offset"] not in ("+00:00", "Z")]
    assert missing == [], missing
