"""Moving running instances to another version of their process (Camunda 7's migration)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models.base import utcnow
from app.models.jobs import TIMER, Job
from app.tasks.jobs import run_job
from tests.conftest import DATA

MODELS = DATA / "migration"


def _deploy(api, name: str) -> int:
    deployed = api.deploy(MODELS / name)
    assert deployed.status_code in (200, 201), deployed.json
    return max(d["version"] for d in deployed.json["definitions"] if d["kind"] == "bpmn")


@pytest.fixture
def on_v1(admin):
    """An instance of order_check v1 waiting at Task_a."""
    _deploy(admin, "v1_check.bpmn")
    started = admin.post("/process-definitions/order_check/instances", json={}).json
    assert started["active_elements"] == ["Task_a"]
    return started


def _open_tasks(api, instance_id) -> list[dict]:
    return api.get(f"/instances/{instance_id}").json["tasks"]


def _complete(api, task_id) -> None:
    done = api.post(f"/tasks/{task_id}/complete", json={"variables": {}})
    assert done.status_code == 200, done.json


def test_a_migrated_instance_follows_the_new_versions_flows(admin, on_v1):
    version = _deploy(admin, "v2_then_approve.bpmn")
    moved = admin.post(f"/instances/{on_v1['id']}/migration", json={"version": version})
    assert moved.status_code == 200, moved.json
    assert moved.json["from_version"] == 1 and moved.json["to_version"] == version and moved.json["ok"]
    body = admin.get(f"/instances/{on_v1['id']}").json
    assert body["definition_version"] == version
    [task] = body["tasks"]
    assert task["id"] == on_v1["tasks"][0]["id"]  # the same open task, not a new one
    _complete(admin, task["id"])
    after = admin.get(f"/instances/{on_v1['id']}").json
    assert after["status"] != "completed" and [t["element_id"] for t in after["tasks"]] == ["Task_b"]


def test_the_dry_run_says_the_task_is_kept_and_nothing_stops_the_move(admin, on_v1):
    version = _deploy(admin, "v2_then_approve.bpmn")
    plan = admin.get(f"/instances/{on_v1['id']}/migration?version={version}")
    assert plan.status_code == 200, plan.json
    assert plan.json == {
        "from_version": 1,
        "to_version": version,
        "ok": True,
        "active": [
            {"element_id": "Task_a", "name": "Check order", "status": "kept", "target_element_id": "Task_a"}
        ],
        "problems": [],
    }
    assert admin.get(f"/instances/{on_v1['id']}").json["definition_version"] == 1  # a dry run


def test_the_dry_run_defaults_to_the_latest_version(admin, on_v1):
    version = _deploy(admin, "v2_then_approve.bpmn")
    assert admin.get(f"/instances/{on_v1['id']}/migration").json["to_version"] == version


def test_a_version_without_the_tasks_element_is_refused_naming_it_and_nothing_changes(admin, on_v1):
    version = _deploy(admin, "v3_without_check.bpmn")
    plan = admin.get(f"/instances/{on_v1['id']}/migration?version={version}").json
    assert plan["ok"] is False
    assert plan["active"] == [
        {"element_id": "Task_a", "name": "Check order", "status": "removed", "target_element_id": None}
    ]
    refused = admin.post(f"/instances/{on_v1['id']}/migration", json={"version": version})
    assert refused.status_code == 409, refused.json
    assert "'Check order' (Task_a)" in refused.json["message"]
    assert refused.json["details"]["problems"] == plan["problems"]
    body = admin.get(f"/instances/{on_v1['id']}").json
    assert body["definition_version"] == 1
    _complete(admin, on_v1["tasks"][0]["id"])
    assert admin.get(f"/instances/{on_v1['id']}").json["status"] == "completed"
    assert admin.get(f"/audit?action=instance.migrate&object_id={on_v1['id']}").json["items"] == []


def test_a_task_that_became_a_script_is_refused_as_changed(admin, on_v1):
    version = _deploy(admin, "v5_check_is_a_script.bpmn")
    plan = admin.get(f"/instances/{on_v1['id']}/migration?version={version}").json
    assert plan["active"][0]["status"] == "changed" and "type" in plan["problems"][0]
    refused = admin.post(f"/instances/{on_v1['id']}/migration", json={"version": version})
    assert refused.status_code == 409, refused.json


@pytest.mark.parametrize("version", [2, 99])
def test_a_version_the_process_does_not_have_is_a_404(admin, on_v1, version):
    _deploy(admin, "other_process.bpmn")
    _deploy(admin, "other_process_v2.bpmn")  # another key's version 2: not order_check's
    assert admin.get(f"/instances/{on_v1['id']}/migration?version={version}").status_code == 404
    assert admin.post(f"/instances/{on_v1['id']}/migration", json={"version": version}).status_code == 404


def test_the_version_it_runs_on_is_a_409(admin, on_v1):
    refused = admin.post(f"/instances/{on_v1['id']}/migration", json={"version": 1})
    assert refused.status_code == 409 and "already runs on version 1" in refused.json["message"]


def test_a_plain_user_may_not_migrate_and_an_operator_may(admin, on_v1, as_user):
    version = _deploy(admin, "v2_then_approve.bpmn")
    user = as_user("ursula", roles="user")
    assert user.get(f"/instances/{on_v1['id']}/migration?version={version}").status_code == 403
    assert user.post(f"/instances/{on_v1['id']}/migration", json={"version": version}).status_code == 403
    operator = as_user("otto", roles="operator")
    assert operator.post(f"/instances/{on_v1['id']}/migration", json={"version": version}).status_code == 200


def test_an_ended_instance_is_a_409(admin, on_v1):
    version = _deploy(admin, "v2_then_approve.bpmn")
    _complete(admin, on_v1["tasks"][0]["id"])
    refused = admin.post(f"/instances/{on_v1['id']}/migration", json={"version": version})
    assert refused.status_code == 409 and "completed" in refused.json["message"]


def test_a_migration_is_on_the_audit_trail_with_versions_and_actor(admin, on_v1):
    version = _deploy(admin, "v2_then_approve.bpmn")
    assert admin.post(f"/instances/{on_v1['id']}/migration", json={"version": version}).status_code == 200
    [entry] = admin.get(f"/audit?action=instance.migrate&object_id={on_v1['id']}").json["items"]
    assert entry["actor"] == admin.username
    assert entry["before"]["definition_version"] == 1 and entry["after"]["definition_version"] == version


def test_an_open_task_takes_the_new_versions_name_and_candidates(admin, on_v1):
    version = _deploy(admin, "v4_renamed.bpmn")
    plan = admin.get(f"/instances/{on_v1['id']}/migration?version={version}").json
    assert plan["ok"] and plan["active"][0]["status"] == "changed"
    assert admin.post(f"/instances/{on_v1['id']}/migration", json={"version": version}).status_code == 200
    task = admin.get(f"/tasks/{on_v1['tasks'][0]['id']}").json
    assert task["name"] == "Check the order twice" and task["candidate_groups"] == ["auditors"]


def test_a_waiting_timer_kept_across_the_migration_still_fires(admin, db_session):
    _deploy(admin, "timer_v1.bpmn")
    started = admin.post("/process-definitions/order_wait/instances", json={}).json
    jobs = select(Job).where(Job.instance_id == started["id"], Job.kind == TIMER)
    [before] = db.session.execute(jobs).scalars().all()
    due = before.due_at
    version = _deploy(admin, "timer_v2.bpmn")
    assert admin.post(f"/instances/{started['id']}/migration", json={"version": version}).status_code == 200
    [job] = db.session.execute(jobs).scalars().all()
    assert job.id == before.id and job.due_at == due  # not counted again from the migration
    job.due_at = utcnow() - timedelta(seconds=1)
    db.session.flush()
    assert run_job(str(job.id)) == "fired"
    assert [t["element_id"] for t in _open_tasks(admin, started["id"])] == ["Task_after"]


def test_a_call_activity_in_progress_is_refused_with_the_reason(admin):
    _deploy(admin, "v1_check.bpmn")
    _deploy(admin, "caller_v1.bpmn")
    started = admin.post("/process-definitions/order_caller/instances", json={}).json
    version = _deploy(admin, "caller_v2.bpmn")
    refused = admin.post(f"/instances/{started['id']}/migration", json={"version": version})
    assert refused.status_code == 409, refused.json
    assert "call activity 'Check it' is in progress" in refused.json["message"]
    assert admin.get(f"/instances/{started['id']}").json["definition_version"] == 1


def test_a_suspended_instance_is_migrated_and_stays_suspended(admin, on_v1):
    """As in Camunda 7: the move runs nothing, and the instance's tasks wait for its resumption."""
    version = _deploy(admin, "v6_check_renamed.bpmn")
    assert admin.post(f"/instances/{on_v1['id']}/suspend").status_code == 200
    moved = admin.post(
        f"/instances/{on_v1['id']}/migration", json={"version": version, "mappings": {"Task_a": "Task_check"}}
    )
    assert moved.status_code == 200, moved.json
    body = admin.get(f"/instances/{on_v1['id']}").json
    assert body["status"] == "suspended" and body["definition_version"] == version
    [task] = body["tasks"]
    assert task["element_id"] == "Task_check"
    refused = admin.post(f"/tasks/{task['id']}/complete", json={"variables": {}})
    assert refused.status_code == 409, refused.json
    assert admin.post(f"/instances/{on_v1['id']}/resume").status_code == 200
    _complete(admin, task["id"])
    assert [t["element_id"] for t in _open_tasks(admin, on_v1["id"])] == ["Task_b"]


def test_a_suspended_instance_the_target_would_move_on_is_refused_and_stays_as_it_was(admin, db_session):
    _deploy(admin, "timer_v1.bpmn")
    started = admin.post("/process-definitions/order_wait/instances", json={}).json
    assert admin.post(f"/instances/{started['id']}/suspend").status_code == 200
    version = _deploy(admin, "timer_v4_already_due.bpmn")  # its timer is due at once
    body = {"version": version, "update_event_triggers": True}
    refused = admin.post(f"/instances/{started['id']}/migration", json=body)
    assert refused.status_code == 409, refused.json
    assert "would move the suspended instance on at 'Cool off': resume it first" in refused.json["message"]
    after = admin.get(f"/instances/{started['id']}").json
    assert (after["status"], after["definition_version"], after["active_elements"]) == (
        "suspended",
        1,
        ["Wait"],
    )
    kept = admin.post(f"/instances/{started['id']}/migration", json={"version": version})
    assert kept.status_code == 200, kept.json  # its timer keeps the due time it had
    assert admin.get(f"/instances/{started['id']}").json["status"] == "suspended"


def test_a_second_task_reached_after_migrating_twice_is_the_latest_versions(admin, on_v1):
    """v1 -> v4 (renamed) -> v2: each move starts from where the last one left the state."""
    renamed, approve = _deploy(admin, "v4_renamed.bpmn"), _deploy(admin, "v2_then_approve.bpmn")
    for version in (renamed, approve):
        moved = admin.post(f"/instances/{on_v1['id']}/migration", json={"version": version})
        assert moved.status_code == 200, moved.json
    [task] = _open_tasks(admin, on_v1["id"])
    assert task["name"] == "Check order"
    _complete(admin, task["id"])
    assert [t["element_id"] for t in _open_tasks(admin, on_v1["id"])] == ["Task_b"]


def test_a_finished_element_the_saved_state_still_holds_and_the_target_lacks_is_refused(admin):
    """Baton's state keeps one finished task above the live ones; one whose element is gone could
    not be read back, so the move is refused rather than half done."""
    _deploy(admin, "steps_v1.bpmn")
    started = admin.post("/process-definitions/order_steps/instances", json={}).json
    _complete(admin, started["tasks"][0]["id"])
    version = _deploy(admin, "steps_v2_without_first.bpmn")
    plan = admin.get(f"/instances/{started['id']}/migration?version={version}").json
    assert plan["active"] == [
        {"element_id": "Second", "name": "Second", "status": "moved", "target_element_id": "Second"}
    ]
    assert plan["problems"] == [
        "the saved state still holds finished element 'First', which the target lacks"
    ]
    refused = admin.post(f"/instances/{started['id']}/migration", json={"version": version})
    assert refused.status_code == 409 and "'First'" in refused.json["message"]
