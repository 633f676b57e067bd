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


def test_a_since_later_than_until_is_a_400_naming_both(admin):
    response = admin.get("/audit?since=2026-03-02T00:00:00Z&until=2026-03-01T00:00:00Z")
    assert response.status_code == 400, response.json
    assert set(response.json["details"]["fields"]) == {"since", "until"}
    assert "since" in response.json["message"] and "until" in response.json["message"]
    naive_and_aware = admin.get("/audit?since=2026-03-01T02:00:00&until=2026-03-01T01:00:00%2B00:00")
    assert naive_and_aware.status_code == 400  # a bound without a zone is UTC, as the filter reads it
    assert admin.get("/audit?since=2026-03-01T00:00:00Z&until=2026-03-02T00:00:00Z").status_code == 200
