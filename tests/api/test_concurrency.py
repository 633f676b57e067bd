"""Races between real requests, with real commits: one winner, one 409, nothing half-written."""

import threading

import pytest

from tests.conftest import DATA, Api

pytestmark = pytest.mark.commits


def _race(*calls):
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, call):
        barrier.wait()
        results[i] = call()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def test_two_people_completing_one_task_get_one_success_and_one_409(committed_admin, committed_app):
    assert committed_admin.deploy(DATA / "simple" / "two_steps.bpmn").status_code == 201
    for _ in range(5):
        started = committed_admin.post("/process-definitions/two_steps/instances", json={}).json
        task_id = started["tasks"][0]["id"]
        apis = [Api(committed_app.test_client(), committed_admin.token) for _ in range(2)]
        responses = _race(
            *(
                lambda a=a, t=task_id: a.post(f"/tasks/{t}/complete", json={"variables": {"by": id(a)}})
                for a in apis
            )
        )
        assert sorted(r.status_code for r in responses) == [200, 409], [r.json for r in responses]
        instance = committed_admin.get(f"/instances/{started['id']}").json
        assert instance["active_elements"] == ["approve"]
        history = committed_admin.get(f"/instances/{started['id']}/history").json["items"]
        assert [h["element_id"] for h in history].count("review") == 1
        assert len([t for t in instance["tasks"] if t["status"] == "open"]) == 1


def test_a_retried_start_with_the_same_idempotency_key_creates_one_instance(committed_admin, committed_app):
    committed_admin.deploy(DATA / "simple" / "two_steps.bpmn")
    apis = [Api(committed_app.test_client(), committed_admin.token) for _ in range(3)]
    headers = {"Idempotency-Key": "race-1"}
    responses = _race(
        *(
            lambda a=a: a.post("/process-definitions/two_steps/instances", json={}, headers=headers)
            for a in apis
        )
    )
    assert len({r.json["id"] for r in responses}) == 1, [r.json for r in responses]
    assert committed_admin.get("/instances").json["total"] == 1


def test_a_claim_racing_a_completion_never_deadlocks_or_half_writes(committed_admin, committed_app):
    committed_admin.deploy(DATA / "simple" / "two_steps.bpmn")
    for _ in range(8):
        started = committed_admin.post("/process-definitions/two_steps/instances", json={}).json
        task_id = started["tasks"][0]["id"]
        claimer, completer = (Api(committed_app.test_client(), committed_admin.token) for _ in range(2))
        claim, done = _race(
            lambda a=claimer, t=task_id: a.post(f"/tasks/{t}/claim"),
            lambda a=completer, t=task_id: a.post(f"/tasks/{t}/complete", json={"variables": {}}),
        )
        assert done.status_code == 200, done.json
        assert claim.status_code in (200, 409), claim.json  # before the completion, or refused after
        task = committed_admin.get(f"/tasks/{task_id}").json
        assert task["status"] == "completed"
        if claim.status_code == 409:
            assert task["assignee"] is None


def test_audited_writes_at_once_keep_one_unbroken_chain(committed_admin, committed_app):
    """Eight starts race; each appends its entry under the tenant's head row lock, so the chain
    has no fork and no gap (a fork would break the unique seq and fail a start)."""
    committed_admin.deploy(DATA / "simple" / "two_steps.bpmn")
    apis = [Api(committed_app.test_client(), committed_admin.token) for _ in range(8)]
    start = "/process-definitions/two_steps/instances"
    responses = _race(*(lambda a=a: a.post(start, json={}) for a in apis))
    assert [r.status_code for r in responses] == [201] * 8, [r.json for r in responses]
    result = committed_app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "audit trail intact" in result.output, result.output
    starts = committed_admin.get("/audit?action=instance.start&limit=50").json["items"]
    assert len(starts) == 8
