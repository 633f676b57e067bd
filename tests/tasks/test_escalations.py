"""Escalations through a real worker: one level per period, never twice, then reassign or approve."""

from __future__ import annotations

import time

import pytest

from tests.conftest import DATA
from tests.tasks.conftest import wait_for

pytestmark = pytest.mark.commits


def _levels(commits_app, task_id) -> list[tuple[int, str]]:
    from app.extensions import db
    from app.services.escalations import escalations_of

    levels = [(e.level, e.target) for e in escalations_of(task_id)]
    db.session.rollback()
    return levels


def test_each_level_is_notified_once_up_to_three_then_the_task_is_reassigned(api, commits_app):
    from app.services import identity
    from tests.conftest import Api

    with commits_app.app_context():
        identity.create_user("mia", password="pw")
        identity.add_to_group("mia", "manager")
        token = identity.create_token("mia")
    mia = Api(commits_app.test_client(), token)
    assert api.deploy(DATA / "notify" / "escalation.bpmn").status_code in (200, 201)
    started = api.post("/process-definitions/chain_reassign/instances", json={}).json
    task_id, instance_id = started["tasks"][0]["id"], started["id"]

    wait_for(lambda: len(_levels(commits_app, task_id)) == 4, 10)  # 3 levels (4 drawn), then timeout
    time.sleep(1.5)
    assert _levels(commits_app, task_id) == [
        (1, "team-lead"), (2, "manager"), (3, "director"), (4, "reassign:cfo-office"),
    ]  # fmt: skip
    [note] = mia.get("/notifications").json["items"]  # the manager level heard once
    assert note["title"] == f"Escalated (level 2): Approve capex (case {instance_id[:8]})"
    assert note["link"].endswith(task_id)
    task = api.get(f"/tasks/{task_id}").json
    assert task["status"] == "open" and task["candidate_groups"] == ["cfo-office"]


def test_a_task_nobody_decides_approves_itself_after_the_last_level(api):
    assert api.deploy(DATA / "notify" / "escalation.bpmn").status_code in (200, 201)
    started = api.post("/process-definitions/chain_auto/instances", json={}).json
    wait_for(lambda: api.get(f"/instances/{started['id']}").json["status"] == "completed", 10)
    history = api.get(f"/instances/{started['id']}/history").json["items"]
    approve = next(h for h in history if h["element_id"] == "a_approve")
    assert approve["completed_by"] == "escalation"
    assert "paid" in [h["element_id"] for h in history] and "refused" not in [
        h["element_id"] for h in history
    ]
