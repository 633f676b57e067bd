"""Races between real requests, with real commits: one winner, one 409, nothing half-written."""

import threading
import uuid

import psycopg
import pytest

from app.extensions import db
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


def _lock_in_thread(app, task_id, out):
    from app.services.step_locks import lock_task_step, take_open_task_ids

    with app.app_context():
        instance, _ = lock_task_step("default", task_id)
        out["open_ids"] = take_open_task_ids(instance.id)
        db.session.rollback()
        db.session.remove()


def test_a_completion_that_waited_on_a_rival_reads_the_open_tasks_again(committed_admin, committed_app):
    """The completion's locked read brings the instance's open task ids from its snapshot. If a
    rival's step committed while it waited for the lock, those ids are stale: they are dropped
    (the step reads them again), which the state row's changed xmin tells."""
    import time

    from tests.conftest import COMMITS_DB_URL

    committed_admin.deploy(DATA / "simple" / "two_steps.bpmn")
    started = committed_admin.post("/process-definitions/two_steps/instances", json={}).json
    task_id, out = started["tasks"][0]["id"], {}
    _lock_in_thread(committed_app, task_id, out)
    assert out["open_ids"] == {uuid.UUID(task_id)}  # unhindered: the ids come with the lock

    url = COMMITS_DB_URL.replace("+psycopg", "")
    with psycopg.connect(url) as rival:
        rival.execute("SELECT 1 FROM process_instances WHERE id = %s FOR UPDATE", (started["id"],))
        waiter = threading.Thread(target=_lock_in_thread, args=(committed_app, task_id, out))
        waiter.start()
        for _ in range(200):  # until the completion waits for the rival's lock
            query = "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
            waiting = rival.execute(query).fetchone()[0]
            if waiting:
                break
            time.sleep(0.02)
        assert waiting, "the completion never waited for the lock"
        rival.execute(
            "UPDATE instance_states SET size_bytes = size_bytes WHERE instance_id = %s", (started["id"],)
        )
        rival.commit()  # a step of the rival's: it wrote the state row
        waiter.join(30)
    assert out["open_ids"] is None
