"""Running a job as the worker does (app.services.job_runs.run_job): a Celery message delivered
twice, or late, does nothing the job's row does not ask for."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.extensions import db
from app.handlers import service_handler
from app.models import Job
from app.models.base import utcnow
from app.services.job_runs import run_job
from app.services.jobs import claim_due_jobs
from tests.conftest import DATA

CALLS: list[str] = []
WEEKLY = (DATA / "timers" / "start_cycle.bpmn").read_text().replace("R3/PT1S", "R/P7D")


@service_handler("jobs.erp_down")
def erp_down(variables: dict, idempotency_key: str) -> dict:
    CALLS.append(idempotency_key)
    raise ConnectionError("the ERP refuses connections")


def _fall_due(job: Job) -> None:
    """Make `job` due and claim it, as the sweep does before it sends the job's message."""
    job.due_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert str(job.id) in [job_id for job_id, _, _ in claim_due_jobs()]


def _service_job(admin, key: str) -> Job:
    assert admin.deploy(DATA / "jobs" / f"{key}.bpmn").status_code == 201
    started = admin.post(f"/process-definitions/{key}/instances", json={})
    assert started.status_code == 201, started.json
    query = select(Job).where(Job.instance_id == started.json["id"], Job.kind == "service")
    return db.session.execute(query).scalar_one()


def test_a_message_delivered_again_while_the_job_waits_out_its_backoff_does_not_call_the_handler(admin):
    CALLS.clear()
    job = _service_job(admin, "erp_sync")  # R3/PT10M: three attempts ten minutes apart
    assert run_job(job.id) == "retrying"
    assert run_job(job.id) == "skipped"  # the same message again (a worker lost after its commit)
    db.session.refresh(job)
    assert len(CALLS) == 1 and job.attempts == 1
    assert (job.due_at - utcnow()).total_seconds() > 7 * 60  # still waiting out its ten minutes


def test_a_start_timer_message_delivered_again_starts_no_second_instance(admin):
    assert admin.deploy_bytes({"round.bpmn": WEEKLY.encode()}).status_code == 201
    row = db.session.execute(select(Job).where(Job.kind == "start_timer")).scalar_one()
    _fall_due(row)
    assert run_job(row.id) == "started"
    next_due = row.due_at
    assert run_job(row.id) == "skipped"  # the same message again, a week early
    assert admin.get("/instances", query_string={"key": "maintenance_round"}).json["total"] == 1
    db.session.refresh(row)
    assert row.due_at == next_due


def _lost_in_attempt(job: Job, attempt: int) -> None:
    """The row as a worker killed inside the handler leaves it: the attempt counted, still running."""
    job.status, job.attempts, job.locked_until = "running", attempt, utcnow() + timedelta(minutes=5)
    job.payload = {**job.payload, "attempt_by": "message-1"}  # the Celery message that began it
    db.session.commit()


def test_an_attempt_whose_worker_died_waits_out_the_backoff_like_a_failure(admin):
    CALLS.clear()
    job = _service_job(admin, "erp_sync")
    _lost_in_attempt(job, 1)
    assert run_job(job.id, "message-1") == "retrying"  # the broker's redelivery after the worker was lost
    db.session.refresh(job)
    assert CALLS == [] and job.status == "pending" and "stopped (killed" in job.last_error
    assert (job.due_at - utcnow()).total_seconds() > 7 * 60


def test_a_job_whose_worker_died_in_its_last_attempt_is_an_incident_not_another_call(admin):
    CALLS.clear()
    job = _service_job(admin, "erp_sync")
    _lost_in_attempt(job, 3)  # R3: the last attempt (a handler that runs its worker out of memory)
    assert run_job(job.id, "message-1") == "incident"
    (incident,) = admin.get("/incidents", query_string={"instance_id": str(job.instance_id)}).json["items"]
    assert "failed after 3 attempt(s)" in incident["message"] and "out of memory" in incident["message"]
    assert CALLS == [] and admin.get(f"/instances/{job.instance_id}").json["status"] == "failed"


def test_another_message_for_a_job_whose_attempt_is_running_leaves_the_attempt_alone(admin):
    # A job queued while the worker was down has the message sent at its commit and the one the
    # sweep sent when its lease ran out: the second must not call the handler again, nor fail it.
    CALLS.clear()
    job = _service_job(admin, "erp_sync")
    _lost_in_attempt(job, 1)  # (running: message-1's attempt, still within its lease)
    assert run_job(job.id, "message-2") == "skipped"
    db.session.refresh(job)
    assert CALLS == [] and job.status == "running" and job.attempts == 1 and job.last_error is None


def test_a_second_message_for_a_notification_being_sent_does_not_send_it_again(admin):
    # Queued while the workers were down, a delivery had two messages; taken at once, both sent it.
    now = utcnow()
    job = Job(
        tenant_id="default", kind="notification", handler="email", status="running", attempts=1,
        due_at=now, locked_until=now + timedelta(minutes=5),
        payload={"to": "erin@example.com", "subject": "New task", "body": "...", "attempt_by": "message-1"},
    )  # fmt: skip
    db.session.add(job)
    db.session.commit()
    assert run_job(job.id, "message-2") == "skipped"
    db.session.refresh(job)
    assert job.status == "running" and job.attempts == 1 and job.last_error is None
