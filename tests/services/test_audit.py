"""The audit trail: an entry per state change, append-only, hash-chained, checked by `flask audit verify`."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tests.conftest import DATA


@pytest.fixture
def run_once(admin, as_user):
    """Deploy, start, claim, unclaim, complete and cancel through HTTP; returns the instance id."""
    admin.deploy(DATA / "simple" / "two_steps.bpmn")
    instance = admin.post("/process-definitions/two_steps/instances", json={"variables": {"n": 1}}).json
    reviewer = as_user("rita", groups=["reviewers"])
    task = instance["tasks"][0]["id"]
    reviewer.post(f"/tasks/{task}/claim")
    reviewer.post(f"/tasks/{task}/unclaim")
    reviewer.post(f"/tasks/{task}/complete", json={"variables": {"ok": True}})
    admin.post(f"/instances/{instance['id']}/suspend")
    admin.post(f"/instances/{instance['id']}/resume")
    admin.post(f"/instances/{instance['id']}/cancel", json={"reason": "duplicate request"})
    return instance["id"]


def test_every_state_change_appends_an_entry_with_actor_before_after_and_reason(admin, run_once):
    items = admin.get("/audit?limit=500").json["items"]
    actions = [e["action"] for e in reversed(items)]
    for expected in (
        "user.create",
        "token.create",
        "deploy",
        "instance.start",
        "group.add_member",
        "task.claim",
        "task.unclaim",
        "task.complete",
        "instance.suspend",
        "instance.resume",
        "instance.cancel",
    ):
        assert expected in actions, expected
    on_instance = admin.get(f"/audit?object_id={run_once}").json["items"]
    cancel = next(e for e in on_instance if e["action"] == "instance.cancel")
    assert cancel["actor"] == "admin" and cancel["reason"] == "duplicate request"
    assert cancel["before"] == {"status": "waiting"} and cancel["after"] == {"status": "cancelled"}
    claim = admin.get("/audit?action=task.claim").json["items"][0]
    assert claim["actor"] == "rita" and claim["after"] == {"assignee": "rita"}
    complete = admin.get("/audit?action=task.complete").json["items"][0]
    assert complete["after"]["variables"] == {"ok": True}


def test_entries_are_chained_each_holding_the_previous_hash(admin, run_once):
    items = list(reversed(admin.get("/audit?limit=500").json["items"]))
    assert items[0]["seq"] == 1 and items[0]["prev_hash"] == "0" * 64
    for previous, entry in zip(items, items[1:], strict=False):
        assert entry["seq"] == previous["seq"] + 1 and entry["prev_hash"] == previous["hash"]


def test_audit_verify_passes_on_an_untouched_trail(app, run_once):
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "audit trail intact" in result.output


def test_postgresql_refuses_update_and_delete(run_once, db_session):
    for statement in ("UPDATE audit_entries SET reason = 'rewritten'", "DELETE FROM audit_entries"):
        with pytest.raises(DBAPIError, match="append-only"), db_session.begin_nested():
            db_session.execute(text(statement))


def test_a_changed_entry_is_reported_as_the_first_broken_link(app, admin, run_once, db_session):
    cancel = admin.get("/audit?action=instance.cancel").json["items"][0]
    # Only someone who can disable the trigger (the table owner) gets this far; the chain still tells.
    db_session.execute(text("ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_no_change"))
    db_session.execute(
        text("UPDATE audit_entries SET reason = 'routine' WHERE seq = :seq AND tenant_id = 'default'"),
        {"seq": cancel["seq"]},
    )
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"entry {cancel['seq']} " in result.output and "changed after it was written" in result.output


def test_a_removed_entry_is_reported(app, admin, run_once, db_session):
    db_session.execute(text("ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_no_change"))
    db_session.execute(text("DELETE FROM audit_entries WHERE seq = 3 AND tenant_id = 'default'"))
    result = app.test_cli_runner().invoke(args=["audit", "verify", "--tenant", "default"])
    assert result.exit_code == 1 and "entry 3 is missing" in result.output


def test_a_deployment_and_a_publish_are_audited(as_user):
    modeler = as_user("mo", roles="modeler")
    modeler.deploy(DATA / "simple" / "two_steps.bpmn", publish="false")
    modeler.post("/process-definitions/two_steps/status", json={"status": "published"})
    operator = as_user("op", roles="operator")
    entries = operator.get("/audit?actor=mo").json["items"]
    assert [e["action"] for e in entries] == ["definition.published", "deploy"]
    assert entries[0]["before"] == {"status": "draft"}


def test_an_entry_hashed_by_the_database_verifies_in_python(db_session):
    """On PostgreSQL the chain's head is read and the entry hashed in the INSERT itself; the
    canonical JSON it hashes must be the one verify_chain rebuilds, byte for byte."""
    from app.services import audit

    audit.record("cli", "instance.start", ("instance", "i-1"), after={"ü": ["ç", {"b": 1, "a": '"q"'}]})
    audit.record("cli", "task.complete", ("task", "t-1"), before={"x": None}, reason='résumé "quoted"')
    audit.record(None, "noop", ("task", "t-2"))
    result = audit.verify_chain()
    assert result["ok"] and result["checked"] >= 3, result
