"""Sending background work to Celery only after the transaction that created it has committed.

Services call `send_after_commit(job_id, eta)` inside their unit of work; the ids ride on the
SQLAlchemy session and are sent by the `after_commit` listener bound in `app.tasks.init_celery`.
A rollback drops them. If the send itself is lost (or the broker is down: logged, the request still
succeeds), the job row's lease runs out and the sweep claims it again, so the broker never holds
work the database does not know about. What is sent here calls out of Baton (service handlers,
notification deliveries): it goes to the `handlers` queue (app.tasks.queues).
"""

from __future__ import annotations

from datetime import datetime

from app.extensions import db

_KEY = "baton_send"


def send_after_commit(job_id, eta: datetime | None = None) -> None:
    db.session().info.setdefault(_KEY, []).append((str(job_id), eta))


def take_pending(session) -> list[tuple[str, datetime | None]]:
    return session.info.pop(_KEY, [])
