"""Delivering a notification job: email over SMTP, or a webhook signed with HMAC-SHA256.

A delivery is a row of the jobs outbox (kind "notification"), so each attempt is counted, its
error kept, and a failure retried with the outbox's backoff until its attempts run out (status
"failed"). A failed notification never fails the process it is about.

Webhook signature: HMAC-SHA256, keyed with the handler secret the model names (`webhook.secret`,
default "webhook"), over `timestamp + "." + body`; sent as `X-Baton-Timestamp` (Unix seconds) and
`X-Baton-Signature: sha256=<hex>`. Receivers recompute it and refuse old timestamps (replays).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import smtplib
import time
import urllib.error
import urllib.request
from datetime import timedelta
from email.message import EmailMessage

from flask import current_app

from app.extensions import db
from app.models import Job
from app.models.base import utcnow
from app.models.jobs import DONE, FAILED, PENDING, RUNNING
from app.services import backoff, outbound
from app.services.jobs import ATTEMPT_BY, JOB_RUNNERS, begun_by_another, lease, retryable, runnable
from app.services.notifications import NOTIFICATION
from app.services.secrets_store import get_secret

log = logging.getLogger(__name__)
TIMEOUT = 10.0


class NotConfigured(RuntimeError):
    """Retrying cannot help (no SMTP host, a URL that is not http(s) or not allowed): fail at once."""

    retryable = False


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The X-Baton-Signature value of a webhook body."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def send_email(payload: dict) -> None:
    config = current_app.config["BATON"]
    if not config.SMTP_HOST:
        raise NotConfigured("email is not configured: set BATON_SMTP_HOST")
    message = EmailMessage()
    message["From"], message["To"] = config.SMTP_FROM, payload["to"]
    message["Subject"] = payload["subject"]
    message.set_content(payload["body"])
    with smtplib.SMTP(config.SMTP_HOST, config.SMTP_PORT, timeout=TIMEOUT) as smtp:
        if config.SMTP_USER:
            smtp.starttls()  # never send a password in the clear
            smtp.login(config.SMTP_USER, config.SMTP_PASSWORD or "")
        smtp.send_message(message)


def send_webhook(payload: dict, tenant_id: str) -> None:
    """POST the signed event to `webhook.url`, a host BATON_WEBHOOK_ALLOWED_HOSTS allows (a model
    must not make the server call into its own network), with no redirect followed."""
    url = payload["url"]
    allowed = current_app.config["BATON"].WEBHOOK_ALLOWED_HOSTS
    outbound.allowed_host(url, allowed, "webhook", "BATON_WEBHOOK_ALLOWED_HOSTS", NotConfigured)
    body = json.dumps(payload["json"], sort_keys=True, separators=(",", ":")).encode()
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "X-Baton-Timestamp": timestamp,
        "X-Baton-Signature": sign(get_secret(payload["secret"], tenant_id), timestamp, body),
    }
    db.session.commit()  # the secret is read: no transaction (on SQLite the write lock) waits on the receiver
    # Scheme checked above: no file: or custom schemes.
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with outbound.opener.open(request, timeout=TIMEOUT) as response:
            status = response.status
    except urllib.error.HTTPError as answer:  # a 3xx (not followed), 4xx or 5xx
        status = answer.code
    if status >= 300:
        raise ConnectionError(f"webhook answered {status}")


def deliver(claimed: Job, delivery: str | None = None) -> str:
    """Run one delivery attempt of a claimed notification job (`delivery`: the Celery message's
    id); a repeated delivery is a no-op, and a second message does not send it twice."""
    job = db.session.get(Job, claimed.id, with_for_update=True, populate_existing=True)
    if not runnable(job) or begun_by_another(job, delivery):
        db.session.rollback()
        return "skipped"
    job.status, job.attempts, job.locked_until = RUNNING, job.attempts + 1, utcnow() + lease()
    job.payload = {**job.payload, ATTEMPT_BY: delivery}
    job_id, channel, payload, tenant = job.id, job.handler, dict(job.payload), job.tenant_id
    db.session.commit()  # the attempt counts even if this worker dies while sending
    try:
        send_email(payload) if channel == "email" else send_webhook(payload, tenant)
        error = None
    except Exception as exc:  # any failure is recorded and retried; the process is not touched
        log.warning("notification %s (%s) failed: %r", job_id, channel, exc)
        error = exc
    return _record(job_id, error)


def _record(job_id, error: Exception | None) -> str:
    job = db.session.get(Job, job_id, with_for_update=True, populate_existing=True)
    if job is None:  # (deliver has just counted the attempt on it; nothing deletes notification jobs)
        db.session.rollback()
        return "skipped"
    if error is None:
        job.status, job.locked_until, job.last_error = DONE, None, None
    else:
        job.last_error = f"{type(error).__name__}: {error}"[:4000]
        retry = retryable(error) and job.attempts < job.max_attempts
        delay = backoff.delay_seconds(job.attempts, job.retry_cycle) if retry else 0
        job.status, job.locked_until = (PENDING if retry else FAILED), None
        job.due_at = utcnow() + timedelta(seconds=delay)
    db.session.commit()
    return "sent" if error is None else job.status


JOB_RUNNERS[NOTIFICATION] = deliver
