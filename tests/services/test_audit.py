"""The audit trail: an entry per state change, append-only, hash-chained, checked by `flask audit verify`."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from app.extensions import db
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
    from app.services import audit, audit_verify

    audit.record("cli", "instance.start", ("instance", "i-1"), after={"ü": ["ç", {"b": 1, "a": '"q"'}]})
    audit.record("cli", "task.complete", ("task", "t-1"), before={"x": None}, reason='résumé "quoted"')
    audit.record(None, "noop", ("task", "t-2"))
    result = audit_verify.verify_chain()
    assert result["ok"] and result["checked"] >= 3, result


def test_entries_removed_from_the_end_of_the_trail_are_reported(app, admin, run_once, db_session):
    """The chain alone cannot tell its last entries were cut off; the tenant's head row can."""
    last = db_session.execute(text("SELECT max(seq) FROM audit_entries WHERE tenant_id = 'default'")).scalar()
    db_session.execute(text("ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_no_change"))
    cut = text("DELETE FROM audit_entries WHERE seq >= :s AND tenant_id = 'default'")
    db_session.execute(cut, {"s": last - 1})
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"entries {last - 1} to {last} are missing from the end of the trail" in result.output


def test_the_chain_head_only_moves_forward(run_once, db_session):
    for statement in (
        "UPDATE audit_heads SET seq = seq - 1",
        "UPDATE audit_heads SET hash = repeat('0', 64)",
        "DELETE FROM audit_heads",
    ):
        with pytest.raises(DBAPIError, match="audit head"), db_session.begin_nested():
            db_session.execute(text(statement))


def _entries(object_id: str) -> list:
    from app.models import AuditEntry

    return db.session.scalars(select(AuditEntry.action).where(AuditEntry.object_id == object_id)).all()


def test_held_back_entries_survive_a_later_savepoint_rollback_and_die_with_their_own(db_session):
    """An entry held back before a savepoint is sent before it; one made inside dies with it."""
    from app.services import audit, audit_verify

    audit.record("cli", "before.savepoint", ("task", "sp-1"))
    with pytest.raises(RuntimeError), db.session.begin_nested():
        audit.record("cli", "inside.savepoint", ("task", "sp-1"))
        raise RuntimeError("roll the savepoint back")
    audit.record("cli", "after.savepoint", ("task", "sp-1"))
    audit.record("cli", "second.in.one.flush", ("task", "sp-1"))  # (one head move per statement)
    db.session.flush()
    assert _entries("sp-1") == ["before.savepoint", "after.savepoint", "second.in.one.flush"]
    assert audit_verify.verify_chain("default")["ok"]


def test_the_audit_chain_on_sqlite_has_a_head_too(tmp_path):
    from flask_migrate import upgrade

    from app import create_app
    from app.services import audit, audit_verify
    from tests.conftest import make_config

    app = create_app(make_config(f"sqlite:///{tmp_path / 'baton.db'}"))
    with app.app_context():
        upgrade()
        for n in range(3):
            audit.record("cli", f"step.{n}", ("task", "t-1"))
        db.session.commit()
        assert audit_verify.verify_chain()["ok"]
        db.session.execute(text("DELETE FROM audit_entries WHERE seq = 3"))  # (no trigger on SQLite)
        db.session.commit()
        broken = audit_verify.verify_chain()["broken"]
        db.engine.dispose()
    assert broken["problem"] == "entries 3 to 3 are missing from the end of the trail"


def test_a_savepoint_on_another_connection_leaves_the_sessions_entries_alone(db_session):
    from app.services import audit

    audit.record("cli", "held.back", ("task", "sp-2"))
    with db.engine.connect() as other, other.begin():  # some other work's connection and savepoint
        other.begin_nested().rollback()
        other.rollback()
    db.session.flush()
    assert _entries("sp-2") == ["held.back"]  # still the session's, sent with its transaction
