"""Migration with explicit mappings and updated event triggers (Camunda 7's migration instructions
and updateEventTrigger)."""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import quote

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models.base import utcnow
from app.models.instances import MessageSubscription
from app.models.jobs import TIMER, Job
from app.tasks.jobs import run_job
from tests.api.test_migration import _complete, _deploy, _open_tasks

RENAMED = {"Task_a": "Task_check"}


@pytest.fixture
def checking(admin):
    """An instance of order_check v1 waiting at Task_a."""
    _deploy(admin, "v1_check.bpmn")
    return admin.post("/process-definitions/order_check/instances", json={}).json


def _dry_run(api, instance_id, version: int, mappings: dict):
    return api.get(
        f"/instances/{instance_id}/migration?version={version}&mappings={quote(json.dumps(mappings))}"
    )


def _migrate(api, instance_id, version: int, **body):
    return api.post(f"/instances/{instance_id}/migration", json={"version": version, **body})


def _timer_jobs(instance_id) -> list[Job]:
    jobs = select(Job).where(Job.instance_id == instance_id, Job.kind == TIMER)
    return list(db.session.execute(jobs).scalars())


def test_a_token_on_a_renamed_task_moves_to_the_element_its_mapping_names(admin, checking):
    version = _deploy(admin, "v6_check_renamed.bpmn")
    plan = _dry_run(admin, checking["id"], version, RENAMED)
    assert plan.status_code == 200, plan.json
    assert plan.json["ok"] and plan.json["active"] == [
        {"element_id": "Task_a", "name": "Check order", "status": "mapped", "target_element_id": "Task_check"}
    ]
    moved = _migrate(admin, checking["id"], version, mappings=RENAMED)
    assert moved.status_code == 200, moved.json
    [task] = _open_tasks(admin, checking["id"])
    assert task["id"] == checking["tasks"][0]["id"]  # the same open task, now on the new element
    assert task["element_id"] == "Task_check" and task["name"] == "Check order carefully"
    assert task["candidate_groups"] == ["auditors"]
    assert admin.get(f"/instances/{checking['id']}").json["active_elements"] == ["Task_check"]
    _complete(admin, task["id"])
    assert [t["element_id"] for t in _open_tasks(admin, checking["id"])] == ["Task_b"]


def test_without_the_mapping_the_renamed_task_is_refused_and_the_answer_says_to_map_it(admin, checking):
    version = _deploy(admin, "v6_check_renamed.bpmn")
    refused = _migrate(admin, checking["id"], version)
    assert refused.status_code == 409, refused.json
    assert (
        "'Check order' (Task_a) holds a token and the target has no such element" in refused.json["message"]
    )


def test_mappings_that_do_not_fit_the_versions_are_a_400_naming_each_and_nothing_changes(admin, checking):
    version = _deploy(admin, "v6_check_renamed.bpmn")
    wrong = {"Task_x": "Task_b", "end": "Task_nope", "Task_a": "Log"}
    expected = [  # (by source id)
        "mapping 'Task_a' -> 'Log': a userTask cannot become a scriptTask",
        "mapping 'Task_x' -> 'Task_b': the instance's current version has no element 'Task_x'",
        "mapping 'end' -> 'Task_nope': the target version has no element 'Task_nope'",
    ]
    for answer in (
        _dry_run(admin, checking["id"], version, wrong),
        _migrate(admin, checking["id"], version, mappings=wrong),
    ):
        assert answer.status_code == 400, answer.json
        assert answer.json["details"]["problems"] == expected
        assert all(problem in answer.json["message"] for problem in expected)
    body = admin.get(f"/instances/{checking['id']}").json
    assert body["definition_version"] == 1 and [t["element_id"] for t in body["tasks"]] == ["Task_a"]
    assert admin.get(f"/audit?action=instance.migrate&object_id={checking['id']}").json["items"] == []


def test_mappings_that_are_not_a_json_object_of_ids_are_a_400(admin, checking):
    version = _deploy(admin, "v6_check_renamed.bpmn")
    bad = admin.get(f"/instances/{checking['id']}/migration?version={version}&mappings={quote('{Task_a')}")
    assert bad.status_code == 400 and "mappings" in bad.json["message"]
    listed = _migrate(admin, checking["id"], version, mappings=["Task_a"])
    assert listed.status_code == 400 and "mappings" in listed.json["message"]


def test_two_gateways_mapped_to_one_gateway_are_a_400(admin):
    _deploy(admin, "gates_v1.bpmn")
    started = admin.post("/process-definitions/order_gates/instances", json={}).json
    version = _deploy(admin, "gates_v2_join_renamed.bpmn")
    refused = _migrate(admin, started["id"], version, mappings={"join": "split"})
    assert refused.status_code == 400, refused.json
    assert refused.json["details"]["problems"] == [
        "'join', 'split' are all mapped to gateway 'split': a gateway takes the tokens of one gateway only"
    ]


def test_a_waiting_join_moves_to_its_renamed_gateway_and_still_joins(admin):
    _deploy(admin, "gates_v1.bpmn")
    started = admin.post("/process-definitions/order_gates/instances", json={}).json
    pack = next(t for t in started["tasks"] if t["element_id"] == "Task_a")
    _complete(admin, pack["id"])  # one branch waits at the join
    version = _deploy(admin, "gates_v2_join_renamed.bpmn")
    moved = _migrate(admin, started["id"], version, mappings={"join": "join_all"})
    assert moved.status_code == 200, moved.json
    [bill] = _open_tasks(admin, started["id"])
    _complete(admin, bill["id"])
    assert admin.get(f"/instances/{started['id']}").json["status"] == "completed"


def _waiting_on_a_timer(admin) -> dict:
    _deploy(admin, "timer_v1.bpmn")
    return admin.post("/process-definitions/order_wait/instances", json={}).json


def test_a_mapped_timer_keeps_its_job_and_due_time_and_fires_on_the_new_element(admin):
    started = _waiting_on_a_timer(admin)
    [before] = _timer_jobs(started["id"])
    due = before.due_at
    version = _deploy(admin, "timer_v3_renamed_two_hours.bpmn")
    assert _migrate(admin, started["id"], version, mappings={"Wait": "Wait_long"}).status_code == 200
    [job] = _timer_jobs(started["id"])
    assert (job.id, job.due_at, job.element_id) == (before.id, due, "Wait_long")
    assert admin.get(f"/instances/{started['id']}").json["active_elements"] == ["Wait_long"]
    job.due_at = utcnow() - timedelta(seconds=1)
    db.session.flush()
    assert run_job(str(job.id)) == "fired"
    assert [t["element_id"] for t in _open_tasks(admin, started["id"])] == ["Task_after"]


def test_updated_event_triggers_count_a_waiting_timer_again_from_the_target(admin):
    started = _waiting_on_a_timer(admin)  # PT1H
    version = _deploy(admin, "timer_v3_renamed_two_hours.bpmn")  # PT2H
    migrated_at = utcnow()
    moved = _migrate(
        admin, started["id"], version, mappings={"Wait": "Wait_long"}, update_event_triggers=True
    )
    assert moved.status_code == 200, moved.json
    [job] = _timer_jobs(started["id"])
    assert timedelta(hours=2) <= job.due_at - migrated_at < timedelta(hours=2, minutes=1)


def test_a_timer_the_target_makes_already_due_fires_at_the_migration_only_when_triggers_update(admin):
    kept = _waiting_on_a_timer(admin)
    updated = admin.post("/process-definitions/order_wait/instances", json={}).json
    [before] = _timer_jobs(kept["id"])
    due = before.due_at
    version = _deploy(admin, "timer_v4_already_due.bpmn")
    assert _migrate(admin, kept["id"], version).status_code == 200
    assert admin.get(f"/instances/{kept['id']}").json["active_elements"] == ["Wait"]
    [job] = _timer_jobs(kept["id"])
    assert job.due_at == due
    job.due_at = utcnow() - timedelta(seconds=1)
    db.session.flush()
    assert run_job(str(job.id)) == "fired"
    assert [t["element_id"] for t in _open_tasks(admin, kept["id"])] == ["Task_after"]
    assert _migrate(admin, updated["id"], version, update_event_triggers=True).status_code == 200
    assert [t["element_id"] for t in _open_tasks(admin, updated["id"])] == ["Task_after"]
    assert _timer_jobs(updated["id"]) == []


def test_a_mapped_task_brings_its_boundary_timer_which_counts_again_from_the_target(admin):
    _deploy(admin, "boundary_v1.bpmn")
    started = admin.post("/process-definitions/order_remind/instances", json={}).json
    version = _deploy(admin, "boundary_v2_renamed.bpmn")
    migrated_at = utcnow()
    how = {"mappings": {"Task_a": "Task_review"}, "update_event_triggers": True}
    moved = _migrate(admin, started["id"], version, **how)
    assert moved.status_code == 200, moved.json
    [job] = _timer_jobs(started["id"])
    assert job.element_id == "Remind" and timedelta(hours=3) <= job.due_at - migrated_at < timedelta(
        hours=3, minutes=1
    )
    [task] = _open_tasks(admin, started["id"])
    assert task["element_id"] == "Task_review" and task["name"] == "Review"
    _complete(admin, task["id"])
    assert admin.get(f"/instances/{started['id']}").json["status"] == "completed"
    assert _timer_jobs(started["id"]) == []


def test_a_mapped_message_catch_keeps_one_subscription_and_the_message_moves_it_on(admin):
    _deploy(admin, "message_v1.bpmn")
    started = admin.post("/process-definitions/order_pay/instances", json={"business_key": "o-7"}).json
    version = _deploy(admin, "message_v2_renamed.bpmn")
    moved = _migrate(admin, started["id"], version, mappings={"Wait_pay": "Wait_payment"})
    assert moved.status_code == 200, moved.json
    waiting = select(MessageSubscription).where(MessageSubscription.instance_id == started["id"])
    assert [s.element_id for s in db.session.execute(waiting).scalars()] == ["Wait_payment"]
    paid = admin.post("/messages", json={"name": "Paid", "business_key": "o-7"})
    assert paid.status_code == 200, paid.json
    assert [t["element_id"] for t in _open_tasks(admin, started["id"])] == ["Task_ship"]


def test_a_token_in_an_embedded_sub_process_moves_to_its_mapped_task_and_the_sub_process_goes_on(admin):
    # An embedded sub-process is no call activity: its model is the instance's own version's.
    _deploy(admin, "embedded_v1.bpmn")
    started = admin.post("/process-definitions/order_pack/instances", json={}).json
    version = _deploy(admin, "embedded_v2_inner_renamed.bpmn")
    moved = _migrate(admin, started["id"], version, mappings={"Inner_a": "Inner_b"})
    assert moved.status_code == 200, moved.json
    assert {(e["element_id"], e["status"]) for e in moved.json["active"]} == {
        ("Packing", "kept"),
        ("Inner_a", "mapped"),
    }
    [task] = _open_tasks(admin, started["id"])
    assert (task["id"], task["element_id"], task["name"]) == (
        started["tasks"][0]["id"],
        "Inner_b",
        "Pack carefully",
    )
    _complete(admin, task["id"])
    assert [t["name"] for t in _open_tasks(admin, started["id"])] == ["Ship by courier"]


@pytest.mark.parametrize(
    ("model", "key", "target_model", "mapping", "where"),
    [
        ("v1_check.bpmn", "order_check", "v7_check_in_sub.bpmn", ("Task_a", "Inner_a"), "sub-process 'Sub'"),
        (
            "embedded_v1.bpmn",
            "order_pack",
            "embedded_v3_flattened.bpmn",
            ("Inner_a", "Pack"),
            "the process itself, out of sub-process 'Packing'",
        ),
    ],
)
def test_a_mapping_into_another_scope_is_a_400_naming_it_and_nothing_changes(
    admin, model, key, target_model, mapping, where
):
    # Camunda 7 moves a token between scopes only with the scope mapped too; Baton maps elements
    # within one scope, and says so instead of "the target has no such element" about a mapped one.
    _deploy(admin, model)
    started = admin.post(f"/process-definitions/{key}/instances", json={}).json
    version = _deploy(admin, target_model)
    source, target = mapping
    expected = [
        f"mapping '{source}' -> '{target}': moves a token into another scope ({where}); "
        "Baton maps elements within the same scope only"
    ]
    for answer in (
        _dry_run(admin, started["id"], version, {source: target}),
        _migrate(admin, started["id"], version, mappings={source: target}),
    ):
        assert answer.status_code == 400, answer.json
        assert answer.json["details"]["problems"] == expected
    body = admin.get(f"/instances/{started['id']}").json
    assert body["definition_version"] == 1 and [t["element_id"] for t in body["tasks"]] == [source]
    assert admin.get(f"/audit?action=instance.migrate&object_id={started['id']}").json["items"] == []
