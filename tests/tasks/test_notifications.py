"""Notifications: in the inbox bell (API), by email to a real SMTP server, by signed webhook."""

from __future__ import annotations

from tests.conftest import DATA

NOTIFY = DATA / "notify"


def _team(as_user, admin):
    from app.services import identity

    alice = as_user("alice", groups=["team-leads"])
    identity.create_user("carol", password="pw-carol")  # not in the group: hears nothing
    assert admin.deploy(NOTIFY / "leave_request.bpmn").status_code == 201
    return alice


def test_the_approver_sees_a_new_task_in_the_bell_and_marks_it_read(admin, as_user):
    alice = _team(as_user, admin)
    started = admin.post("/process-definitions/leave_request/instances", json={}).json
    task_id = started["tasks"][0]["id"]
    listed = alice.get("/notifications?unread=true").json
    assert listed["unread"] == 1
    [note] = listed["items"]
    assert note["kind"] == "task_created" and note["title"] == "New task: Approve leave"
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
    from app.services import identity, tasks

    tasks.delegate_task(identity.get_user("alice"), task_id, "bob")  # the inbox's delegate action
    assert bob.get("/notifications").json["items"][0]["title"] == "Assigned to you: Approve leave"
    assert bob.post(f"/tasks/{task_id}/complete", json={"variables": {}}).status_code == 200
    done = admin.get("/notifications").json["items"][0]
    assert done["kind"] == "instance_completed" and done["title"] == "Completed: Leave request"
    assert done["link"].endswith(f"/instances/{started['id']}")


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
