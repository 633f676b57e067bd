"""Email and webhook deliveries for operators: a delivery that failed for good is listed with its
error (the notifications' dead letters) and can be given a fresh round of attempts."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import Job
from app.services.job_runs import run_job
from tests.conftest import DATA

NOTIFY = DATA / "notify"


def _failed_webhook(admin, as_user) -> tuple[str, str]:
    """Start an approval whose webhook names a host the configuration does not allow, and run its
    delivery as a worker would: it fails at once. Returns (instance id, delivery id)."""
    as_user("dora", groups=("approvers",))  # (the task is offered to her group)
    model = (NOTIFY / "purchase_approval.bpmn").read_bytes()
    model = model.replace(b"WEBHOOK_URL", b"https://hooks.example.com/secret-path?token=abc")
    assert admin.deploy_bytes({"purchase_approval.bpmn": model}).status_code == 201
    iid = admin.post("/process-definitions/purchase_approval/instances", json={}).json["id"]
    jobs = db.session.execute(select(Job).where(Job.kind == "notification", Job.handler == "webhook"))
    (job,) = jobs.scalars().all()
    assert run_job(job.id) == "failed"
    return iid, str(job.id)


def test_a_failed_delivery_is_listed_with_its_error_and_nothing_it_carried(admin, as_user):
    iid, delivery = _failed_webhook(admin, as_user)
    operator = as_user("otto", roles="operator")
    listed = operator.get("/deliveries?status=failed")
    assert listed.status_code == 200, listed.json
    (item,) = listed.json["items"]
    assert (item["id"], item["channel"], item["status"], item["attempts"]) == (
        delivery,
        "webhook",
        "failed",
        1,
    )
    assert item["instance_id"] == iid and item["event"] == "task_created"
    assert item["recipient"] == "hooks.example.com"
    assert "BATON_WEBHOOK_ALLOWED_HOSTS" in item["last_error"]
    text = listed.get_data(as_text=True)
    assert "secret-path" not in text and "token=abc" not in text and "purchase-hook" not in text
    assert operator.get(f"/deliveries?instance_id={iid}").json["total"] == 1
    assert operator.get("/deliveries?status=done").json["total"] == 0
    assert as_user("ursula").get("/deliveries").status_code == 403


def test_a_failed_delivery_is_retried_once_and_the_retry_is_audited(admin, as_user):
    _, delivery = _failed_webhook(admin, as_user)
    retried = admin.post(f"/deliveries/{delivery}/retry")
    assert retried.status_code == 200, retried.json
    assert (retried.json["status"], retried.json["attempts"]) == ("queued", 0)
    again = admin.post(f"/deliveries/{delivery}/retry")
    assert again.status_code == 409 and "only a failed delivery" in again.json["message"]
    (entry,) = admin.get(f"/audit?action=delivery.retry&object_id={delivery}").json["items"]
    assert "BATON_WEBHOOK_ALLOWED_HOSTS" in entry["before"]["last_error"]
    missing = admin.post("/deliveries/00000000-0000-4000-8000-000000000000/retry")
    assert missing.status_code == 404
