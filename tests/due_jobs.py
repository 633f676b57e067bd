"""Jobs made ready for a delivery as the beat sweep makes them, for tests that run a job in-process."""

from __future__ import annotations

from app.extensions import db
from app.models import Job
from app.models.base import utcnow
from app.models.jobs import QUEUED
from app.services.jobs import lease


def claimed(job: Job) -> Job:
    """`job` claimed as the sweep claims it when it falls due (queued, leased), before it sends its
    message: a delivery runs only a claimed or due job, a pending one due later is left alone."""
    job.status, job.locked_until = QUEUED, utcnow() + lease()
    db.session.flush()
    return job
