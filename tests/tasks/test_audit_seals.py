"""The audit chain is sealed by the worker: the beat's `seal-audit-trail` task, run by a real Celery
worker on Redis, signs the head, and the API verifies the trail through that seal."""

from __future__ import annotations

import pytest

from app.tasks.schedule import BEAT_SCHEDULE
from tests.tasks.conftest import wait_for

pytestmark = pytest.mark.commits


def test_the_worker_seals_the_audit_chain_and_verify_vouches_through_it(api, commits_app):
    entry = BEAT_SCHEDULE["seal-audit-trail"]
    assert entry["task"] == "baton.seal_audit" and entry["schedule"] <= 60
    head = api.get("/audit?limit=1").json["items"][0]["seq"]
    commits_app.extensions["celery"].send_task("baton.seal_audit")
    newest = wait_for(lambda: (api.get("/audit/seals").json["items"] or [None])[0])
    assert newest["seq"] >= head
    verified = api.get("/audit/verify").json
    assert verified["ok"] is True and verified["sealed_through"]["default"] == newest["seq"]
