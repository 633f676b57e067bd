"""GET /audit/verify: the hash chain checked over HTTP, the first broken entry named, for auditors only."""

from __future__ import annotations

from sqlalchemy import text

from tests.conftest import DATA


def _some_history(admin) -> str:
    admin.deploy(DATA / "simple" / "two_steps.bpmn")
    started = admin.post("/process-definitions/two_steps/instances", json={"variables": {"n": 1}})
    cancelled = admin.post(f"/instances/{started.json['id']}/cancel", json={"reason": "duplicate request"})
    assert cancelled.status_code == 200, cancelled.json
    return started.json["id"]


def test_an_untouched_trail_verifies(admin, as_user):
    _some_history(admin)
    operator = as_user("opal", roles="operator")
    verified = operator.get("/audit/verify")
    assert verified.status_code == 200, verified.json
    assert verified.json["ok"] is True and verified.json["checked"] > 3 and verified.json["broken"] is None


def test_a_row_changed_in_the_database_is_reported_with_its_seq_and_id(admin, db_session):
    iid = _some_history(admin)
    cancel = admin.get(f"/audit?action=instance.cancel&object_id={iid}").json["items"][0]
    # Only the table owner can get past the append-only trigger; the chain still tells.
    db_session.execute(text("SET LOCAL session_replication_role = replica"))
    db_session.execute(
        text("UPDATE audit_entries SET reason = 'routine' WHERE seq = :seq AND tenant_id = 'default'"),
        {"seq": cancel["seq"]},
    )
    verified = admin.get("/audit/verify").json
    assert verified["ok"] is False
    broken = verified["broken"]
    assert broken["seq"] == cancel["seq"] and broken["tenant"] == "default" and broken["id"]
    assert "changed after it was written" in broken["problem"]


def test_a_user_may_not_verify_the_trail(as_user):
    refused = as_user("ursula").get("/audit/verify")
    assert refused.status_code == 403 and "audit" in refused.json["message"]
