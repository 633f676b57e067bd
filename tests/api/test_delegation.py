"""Delegation over HTTP: out-of-office for a date range, permanent by an admin, one hop, audited."""

from datetime import UTC, datetime, timedelta

from tests.scenarios.flow import deploy, start

NOW = datetime.now(UTC)


def _window(days_from=-1, days_to=1):
    return {
        "starts_at": (NOW + timedelta(days=days_from)).isoformat(),
        "ends_at": (NOW + timedelta(days=days_to)).isoformat(),
    }


def _leave_for_managers(admin):
    deploy(admin, "leave_request.bpmn")
    return start(admin, "leave_request", days=2)


def test_an_out_of_office_delegate_sees_and_completes_the_delegators_tasks(admin, as_user):
    iid = _leave_for_managers(admin)
    manager, deputy = as_user("mona", groups=["managers"]), as_user("dave")
    assert deputy.get("/tasks").json["total"] == 0
    made = manager.post("/delegations", json={"delegate": "dave", **_window()})
    assert made.status_code == 201 and made.json["kind"] == "out_of_office"
    tasks = deputy.get("/tasks").json["items"]
    assert [t["instance_id"] for t in tasks] == [iid]
    assert (
        deputy.post(
            f"/tasks/{tasks[0]['id']}/complete", json={"variables": {"decision": "approve"}}
        ).status_code
        == 200
    )


def test_a_delegation_outside_its_dates_gives_nothing(admin, as_user):
    _leave_for_managers(admin)
    manager, deputy = as_user("mona", groups=["managers"]), as_user("dave")
    assert manager.post("/delegations", json={"delegate": "dave", **_window(2, 5)}).status_code == 201
    assert deputy.get("/tasks").json["total"] == 0


def test_out_of_office_needs_dates_and_only_admins_delegate_permanently(as_user):
    user = as_user("mona")
    as_user("dave")
    assert user.post("/delegations", json={"delegate": "dave"}).status_code == 400
    refused = user.post("/delegations", json={"delegate": "dave", "permanent": True})
    assert refused.status_code == 403


def test_an_admin_delegates_permanently_and_revokes_and_both_are_audited(admin, as_user):
    _leave_for_managers(admin)
    as_user("mona", groups=["managers"])
    deputy = as_user("dave")
    made = admin.post("/delegations", json={"delegator": "mona", "delegate": "dave", "permanent": True})
    assert made.status_code == 201 and made.json["kind"] == "permanent"
    assert deputy.get("/tasks").json["total"] == 1
    assert (
        admin.client.delete(
            f"/api/v1/delegations/{made.json['id']}", headers={"Authorization": f"Bearer {admin.token}"}
        ).status_code
        == 200
    )
    assert deputy.get("/tasks").json["total"] == 0
    actions = [e["action"] for e in admin.get("/audit?object_type=delegation").json["items"]]
    assert sorted(actions) == ["delegation.create", "delegation.revoke"]


def test_delegation_goes_one_hop_only(admin, as_user):
    _leave_for_managers(admin)
    manager, deputy, third = as_user("mona", groups=["managers"]), as_user("dave"), as_user("tina")
    manager.post("/delegations", json={"delegate": "dave", **_window()})
    deputy.post("/delegations", json={"delegate": "tina", **_window()})
    assert deputy.get("/tasks").json["total"] == 1
    assert third.get("/tasks").json["total"] == 0


def _disable(username):
    from app.extensions import db
    from app.services import identity

    identity.find_user(username).active = False
    db.session.commit()


def test_an_unknown_or_disabled_delegate_is_a_400_naming_the_field_and_nothing_is_written(as_user):
    manager = as_user("mona")
    as_user("dora")
    _disable("dora")
    for name in ("nobody", "dora"):
        refused = manager.post("/delegations", json={"delegate": name, **_window()})
        assert refused.status_code == 400, refused.json
        assert refused.json["details"]["field"] == "delegate" and f"'{name}'" in refused.json["message"]
    assert manager.get("/delegations").json["items"] == []


def test_the_delegate_must_work_on_tasks_as_for_a_single_task(as_user):
    manager = as_user("mona")
    as_user("max", roles="modeler")
    refused = manager.post("/delegations", json={"delegate": "max", **_window()})
    assert refused.status_code == 400 and refused.json["details"]["field"] == "delegate"
    assert "needs the role user or admin" in refused.json["message"]
    assert manager.get("/delegations").json["items"] == []


def test_an_admin_delegating_for_an_unknown_delegator_is_a_400_naming_the_field(admin, as_user):
    as_user("dave")
    refused = admin.post("/delegations", json={"delegator": "ghost", "delegate": "dave", "permanent": True})
    assert refused.status_code == 400 and refused.json["details"]["field"] == "delegator"
    assert "'ghost'" in refused.json["message"]


def test_a_user_still_cannot_delegate_to_themself(as_user):
    refused = as_user("mona").post("/delegations", json={"delegate": "mona", **_window()})
    assert refused.status_code == 400 and refused.json["details"]["field"] == "delegate"


def test_an_out_of_office_that_ended_before_it_is_made_is_a_400_naming_ends_at(as_user):
    """A mistyped year (last year's dates) was stored with a 201 and never took effect: the
    delegator went away thinking their approvals were covered."""
    manager = as_user("mona")
    as_user("dave")
    refused = manager.post("/delegations", json={"delegate": "dave", **_window(-10, -3)})
    assert refused.status_code == 400 and refused.json["details"]["field"] == "ends_at", refused.json
    assert "already past" in refused.json["message"]
    assert manager.get("/delegations").json["items"] == []
    assert manager.post("/delegations", json={"delegate": "dave", **_window(3, 10)}).status_code == 201
