"""Celery tasks (thin: take ids, call a service) and the beat schedule.

`init_celery(app)` builds the Celery app from Baton's config: Redis when REDIS_URL is set
(production), else the embedded default, a SQLite-backed broker under instance/ (app.tasks.sqlite_broker)
so `make run` needs nothing else. Work is sent only after the commit that created it (app.services.dispatch).
"""

from __future__ import annotations

import logging
from pathlib import Path

from celery import Celery, Task
from flask import Flask
from kombu import Queue
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.config import INSTANCE_DIR
from app.tasks import sqlite_broker
from app.tasks.queues import DEFAULT_QUEUE, HANDLERS_QUEUE
from app.tasks.quiet_logs import quiet_routine_sweeps

log = logging.getLogger(__name__)


def broker_url(redis_url: str | None, instance_dir: Path = INSTANCE_DIR) -> str:
    if redis_url:
        return redis_url
    instance_dir.mkdir(parents=True, exist_ok=True)
    return f"{sqlite_broker.register()}+sqlite:///{instance_dir / 'celery.db'}"


def init_celery(app: Flask) -> Celery:
    """Bind Celery to the app's configuration; tasks run inside an app context."""
    from app.tasks.schedule import BEAT_SCHEDULE

    config = app.config["BATON"]

    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                return self.run(*args, **kwargs)

    celery = Celery(app.name, task_cls=FlaskTask)
    celery.conf.update(
        broker_url=broker_url(config.REDIS_URL),
        task_ignore_result=True,
        # A task is acknowledged after it ran; a worker killed mid-task gets it redelivered.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        # Handler calls and deliveries (they wait on other systems) have a queue of their own, so
        # a worker consuming only the default one keeps timers on time while slow handlers fill
        # the other's slots. A worker started without -Q consumes both.
        task_queues=(Queue(DEFAULT_QUEUE), Queue(HANDLERS_QUEUE)),
        task_default_queue=DEFAULT_QUEUE,
        beat_schedule=BEAT_SCHEDULE,
        beat_max_loop_interval=1,
        broker_connection_retry_on_startup=True,
    )
    celery.set_default()
    quiet_routine_sweeps()
    app.extensions["celery"] = celery
    # Without Redis in a test run nobody consumes the queue: jobs stay in the outbox table.
    app.extensions["baton_dispatch"] = bool(config.REDIS_URL) or not config.TESTING
    app.extensions.setdefault("baton_after_commit", [])
    _listen_for_commits()
    from app.services import (  # noqa: F401  (step hooks, job kinds)
        escalations,
        jobs,  # noqa: F401  (registers the step hook that writes job rows)
        notify_channels,
    )
    from app.tasks import audit as audit_tasks  # noqa: F401
    from app.tasks import jobs as job_tasks  # noqa: F401  (registers the tasks on this app)
    from app.tasks import sla as sla_tasks  # noqa: F401

    return celery


_listening = False


def _listen_for_commits() -> None:
    global _listening
    if not _listening:
        event.listen(Session, "after_commit", _send_committed)
        event.listen(Session, "after_soft_rollback", _drop_uncommitted)
        _listening = True


def _send_committed(session) -> None:
    from flask import current_app, has_app_context

    from app.services.dispatch import take_pending

    pending = take_pending(session)
    if not pending or not has_app_context() or not current_app.extensions.get("baton_dispatch"):
        return
    from app.tasks.jobs import send_job

    for index, (job_id, eta) in enumerate(pending):
        try:
            send_job(job_id, eta, HANDLERS_QUEUE)  # (what a step sends on: handler calls, deliveries)
        except Exception as exc:  # (kombu's OperationalError, a timeout: the broker is unreachable)
            _not_sent(pending[index:], exc)
            return


def _not_sent(pending: list, exc: Exception) -> None:
    # The work is committed and its row leased: the sweep claims it when the lease runs out. An
    # error here would fail a request whose work was done (a start, retried, starts twice).
    ids = ", ".join(job_id for job_id, _ in pending)
    log.warning("jobs %s not sent (%r); the sweep sends them when their lease runs out", ids, exc)


def _drop_uncommitted(session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop("baton_send", None)
