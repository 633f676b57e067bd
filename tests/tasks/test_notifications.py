"""Notifications: in the inbox bell (API), by email to a real SMTP server, by signed webhook."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Job
from tests.conftest import DATA
from tests.tasks.conftest import wait_for

NOTIFY = DATA / "notify"


def _team(as_user, admin):
    from app.services import identity

    alice = as_user("alice", groups=["team-leads"])
    identity.create_user("carol", password="pw-carol")  # not in the group: hears nothing
    assert admin.deploy(NOTIFY / "leave_request.bpmn").status_code in (200, 201)
    return alice


def test_the_approver_sees_a_new_task_in_the_bell_and_marks_it_read(admin, as_user):
    alice = _team(as_user, admin)
    started = admin.post("/process-definitions/leave_request/instances", json={"business_key": "L-7"}).json
    task_id = started["tasks"][0]["id"]
    listed = alice.get("/notifications?unread=true").json
    assert listed["unread"] == 1
    [note] = listed["items"]
    assert note["kind"] == "task_created" and note["title"] == "New task: Approve leave (L-7)"
    assert note["link"] == f"http://127.0.0.1:5000/tasks/{task_id}"
    assert "Leave request for admin waits at Approve leave" in note["body"]
    assert as_user("mallory").post(f"/notifications/{note['id']}/read").status_code == 404
    assert alice.post(f"/notifications/{note['id']}/read").json["read_at"] is not None
    assert alice.get("/notifications?unread=true").json == {"items": [], "unread": 0}
    assert len(alice.get("/notifications").json["items"]) == 1


def test_the_requester_hears_of_completion_and_a_delegate_of_the_assignment(admin, as_user):
    alice = _team(as_user, admin)
    bob = as_user("bob", groups=["team-leads"])
    started = admin.post("/process-definitions/leave_request/instances", json={}).json
    task_id = started["tasks"][0]["id"]
    assert alice.post(f"/tasks/{task_id}/claim").status_code == 200
    assert [n["kind"] for n in alice.get("/notifications").json["items"]] == ["task_created"]  # no self-news
    from app.services import identity, task_assignment

    task_assignment.delegate_task(identity.get_user("alice"), task_id, "bob")  # the inbox's delegate action
    case = f"case {started['id'][:8]}"  # no business key: the instance names the case
    assert bob.get("/notifications").json["items"][0]["title"] == f"Assigned to you: Approve leave ({case})"
    assert bob.post(f"/tasks/{task_id}/complete", json={"variables": {}}).status_code == 200
    done = admin.get("/notifications").json["items"][0]
    assert done["kind"] == "instance_completed" and done["title"] == f"Completed: Leave request ({case})"
    assert done["link"].endswith(f"/instances/{started['id']}")


def test_a_requester_who_completes_their_own_instance_is_not_told(admin):
    assert admin.deploy(NOTIFY / "leave_request.bpmn").status_code in (200, 201)
    started = admin.post("/process-definitions/leave_request/instances", json={}).json
    task_id = started["tasks"][0]["id"]
    assert admin.post(f"/tasks/{task_id}/complete", json={"variables": {}}).status_code == 200
    kinds = [n["kind"] for n in admin.get("/notifications").json["items"]]
    assert "instance_completed" not in kinds


def test_an_out_of_office_delegate_hears_of_the_delegators_new_tasks_while_it_lasts(admin, as_user):
    alice, dave = _team(as_user, admin), as_user("dave")  # dave is in no group: he stands in for alice
    erin = as_user("erin")  # neither in the group nor anyone's stand-in
    now = datetime.now(UTC)
    window = {
        "starts_at": (now - timedelta(hours=1)).isoformat(),
        "ends_at": (now + timedelta(1)).isoformat(),
    }
    made = alice.post("/delegations", json={"delegate": "dave", **window})
    assert made.status_code == 201
    admin.post("/process-definitions/leave_request/instances", json={"business_key": "L-8"})
    [note] = dave.get("/notifications").json["items"]
    assert note["kind"] == "task_created" and note["title"] == "New task: Approve leave (L-8)"
    assert alice.get("/notifications").json["unread"] == 1 and erin.get("/notifications").json["unread"] == 0
    revoked = alice.client.delete(f"/api/v1/delegations/{made.json['id']}", headers=alice._headers())
    assert revoked.status_code == 200
    admin.post("/process-definitions/leave_request/instances", json={"business_key": "L-9"})
    assert dave.get("/notifications").json["unread"] == 1  # the revoked delegation tells him no more
    assert alice.get("/notifications").json["unread"] == 2


def test_a_user_unsubscribed_from_in_app_gets_no_notifications(admin, as_user):
    alice = _team(as_user, admin)
    assert alice.get("/notifications/preferences").json == {"inapp": True, "email": True}
    assert alice.client.put(
        "/api/v1/notifications/preferences", json={"inapp": False}, headers=alice._headers()
    ).json == {"inapp": False, "email": True}
    admin.post("/process-definitions/leave_request/instances", json={})
    assert alice.get("/notifications").json["unread"] == 0
    alice.client.put("/api/v1/notifications/preferences", json={"inapp": True}, headers=alice._headers())
    admin.post("/process-definitions/leave_request/instances", json={})
    assert alice.get("/notifications").json["unread"] == 1


# --- email and webhook, delivered by a real worker ---------------------------------------------------
class Receiver(BaseHTTPRequestHandler):
    """A webhook endpoint that verifies Baton's signature; answers 500 to the first call (an outage)."""

    secret, calls, verified = b"hook-secret", [], []

    def do_POST(self):  # noqa: N802 - http.server's hook name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Receiver.calls.append(body)
        timestamp = self.headers["X-Baton-Timestamp"]
        expected = (
            "sha256=" + hmac.new(self.secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
        )
        if len(Receiver.calls) == 1:
            self.send_response(500)
        elif hmac.compare_digest(expected, self.headers["X-Baton-Signature"]):
            Receiver.verified.append(json.loads(body))
            self.send_response(204)
        else:
            self.send_response(401)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def webhook_url():
    server = HTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/hook"
    server.shutdown()


def _deliveries() -> list[tuple]:
    """(channel, status, attempts, last_error) of every delivery job, as committed."""
    rows = db.session.execute(
        select(Job.handler, Job.status, Job.attempts, Job.last_error)
        .where(Job.kind == "notification")
        .order_by(Job.handler)
    )
    result = [tuple(r) for r in rows]
    db.session.rollback()
    return result


@pytest.mark.commits
def test_email_and_a_signed_webhook_arrive_with_the_rendered_template(
    api, commits_app, smtp_server, webhook_url
):
    from app.services import identity

    mailbox, _ = smtp_server
    with commits_app.app_context():
        identity.create_user("dora", email="dora@example.com", display_name="Dora")
        identity.add_to_group("dora", "approvers")
    assert api.client.put(
        "/api/v1/secrets/purchase-hook", json={"value": "hook-secret"}, headers=api._headers()
    ).status_code in (200, 201)
    model = (NOTIFY / "purchase_approval.bpmn").read_bytes().replace(b"WEBHOOK_URL", webhook_url.encode())
    assert api.deploy_bytes({"purchase_approval.bpmn": model}).status_code == 201
    started = api.post("/process-definitions/purchase_approval/instances", json={}).json
    task = started["tasks"][0]

    [mail] = wait_for(lambda: mailbox.messages, 10)
    assert mail["To"] == "dora@example.com" and mail["From"] == "baton@test.example"
    assert mail["Subject"] == "Please approve Purchase approval for celery-admin"
    body = mail.get_content().strip()
    assert body.startswith("It is at Approve purchase, due ")
    due, _, link = body.removeprefix("It is at Approve purchase, due ").rpartition(": ")
    assert datetime.fromisoformat(due) == datetime.fromisoformat(task["due"])
    assert link == f"http://127.0.0.1:5000/tasks/{task['id']}"
    [hook] = wait_for(lambda: Receiver.verified, 10)  # the first call met a 500 and was retried
    assert hook["event"] == "task_created" and hook["variables"]["action_url"].endswith(task["id"])
    assert wait_for(lambda: len(done := [d for d in _deliveries() if d[1] == "done"]) == 2 and done, 5) == [
        ("email", "done", 1, None),
        ("webhook", "done", 2, None),  # attempt 1 met the 500
    ]


def test_a_due_date_is_counted_in_the_business_hours_the_definition_names(admin):
    from zoneinfo import ZoneInfo

    from app.services.calendars import calendar_named

    assert admin.deploy(NOTIFY / "leave_business_hours.bpmn").status_code in (200, 201)
    before = datetime.now(ZoneInfo("UTC"))
    task = admin.post("/process-definitions/leave_business/instances", json={}).json["tasks"][0]
    due = datetime.fromisoformat(task["due"])
    calendar = calendar_named("DE-9to17")
    assert calendar.add(before, "PT16H") <= due <= calendar.add(datetime.now(ZoneInfo("UTC")), "PT16H")
    berlin = due.astimezone(ZoneInfo("Europe/Berlin"))
    assert berlin.weekday() < 5 and 9 <= berlin.hour <= 17  # two working days on, inside working hours
