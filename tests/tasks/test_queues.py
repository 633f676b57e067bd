"""Handler calls and deliveries go to a queue of their own, timers to the default one, so a worker
for each (docker-compose.yml, make run) keeps slow handlers from making timers late. Checked on the
tests' Redis, under a key prefix of this test's own that no worker consumes."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import redis
from celery import Celery
from sqlalchemy import update

from app.extensions import db
from app.models import Job
from app.models.base import utcnow
from tests.conftest import DATA
from tests.tasks.conftest import REDIS_URL


class Queues:
    def __init__(self, prefix: str):
        self.prefix, self.redis = prefix, redis.Redis.from_url(REDIS_URL)

    def llen(self, queue: str) -> int:
        return self.redis.llen(self.prefix + queue)


@pytest.fixture
def broker(app, monkeypatch):
    queues = Queues(f"baton-test-queues-{uuid.uuid4().hex}:")  # (the worker tests' worker reads none)
    options = {"global_keyprefix": queues.prefix}
    celery = Celery("queues", broker=REDIS_URL, broker_transport_options=options)
    monkeypatch.setitem(app.extensions, "celery", celery)
    monkeypatch.setitem(app.extensions, "baton_dispatch", True)
    yield queues
    for key in queues.redis.scan_iter(match=queues.prefix + "*"):
        queues.redis.delete(key)


def test_a_handler_call_and_a_due_timer_wait_in_different_queues(admin, broker):
    # On one queue, a PT1S timer waited for the slowest handler holding a worker slot (6 s here).
    from app.tasks.jobs import sweep

    timer = (DATA / "timers" / "wait_then_end.bpmn").read_text()
    assert admin.deploy_bytes({"wait.bpmn": timer.encode()}).status_code == 201
    assert admin.deploy(DATA / "service" / "echo.bpmn").status_code == 201
    assert admin.post("/process-definitions/svc_echo/instances", json={}).status_code == 201
    assert broker.llen("handlers") == 1 and broker.llen("celery") == 0  # sent at the start's commit
    assert admin.post("/process-definitions/wait_then_end/instances", json={}).status_code == 201
    db.session.execute(update(Job).where(Job.kind == "timer").values(due_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert sweep.run() == 1
    assert broker.llen("celery") == 1 and broker.llen("handlers") == 1  # the timer's batch
