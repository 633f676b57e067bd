"""Re-authentication at signing (21 CFR 11.200(a)(1)): a signature needs the signer's own password,
checked each time; a wrong or missing one signs nothing and is audited, five wrong ones in fifteen
minutes stop the signer for the rest of the window, and an account without a password cannot sign."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from app.models.base import utcnow
from tests.conftest import DATA, Api, signature


@pytest.fixture
def signing(admin, as_user):
    """(quinn of QA, her open QA approval, the instance id)."""
    assert admin.deploy(DATA / "security" / "signed_approval.bpmn").status_code == 201
    started = admin.post("/process-definitions/signed_approval/instances", json={}).json
    quinn = as_user("quinn", groups=["QA"])
    return quinn, started["tasks"][0]["id"], started["id"]


def _refusals(admin) -> list[dict]:
    return admin.get("/audit?action=task.sign_refused").json["items"]


def _nothing_signed(admin, quinn, task_id, instance_id) -> None:
    assert quinn.get(f"/tasks/{task_id}").json["status"] == "open"
    assert admin.get(f"/instances/{instance_id}/signatures").json["total"] == 0


def test_a_signature_without_the_password_is_a_400_naming_it_and_is_audited(signing, admin):
    quinn, task_id, instance_id = signing
    refused = quinn.post(f"/tasks/{task_id}/complete", json={"signature": {"decision": "approve"}})
    assert refused.status_code == 400, refused.json
    assert refused.json["details"]["field"] == "signature.password"
    assert "password" in refused.json["message"]
    _nothing_signed(admin, quinn, task_id, instance_id)
    (entry,) = _refusals(admin)
    assert entry["actor"] == "quinn" and entry["after"]["refusal"] == "missing-password"


def test_a_wrong_password_is_a_403_signs_nothing_and_is_audited_without_the_password(signing, admin):
    quinn, task_id, instance_id = signing
    body = {"signature": {"decision": "approve", "password": "guess-Xy7"}}
    refused = quinn.post(f"/tasks/{task_id}/complete", json=body)
    assert refused.status_code == 403, refused.json
    assert "password" in refused.json["message"] and "guess-Xy7" not in json.dumps(refused.json)
    _nothing_signed(admin, quinn, task_id, instance_id)
    (entry,) = _refusals(admin)
    assert entry["after"] == {"role": "QA", "decision": "approve", "refusal": "wrong-password"}
    assert "password" in entry["reason"]
    assert "guess-Xy7" not in json.dumps(admin.get("/audit").json)

    signed = quinn.post(f"/tasks/{task_id}/complete", json={"signature": signature(quinn)})
    assert signed.status_code == 200, signed.json
    assert admin.get(f"/instances/{instance_id}/signatures/verify").json["ok"] is True


def test_someone_elses_password_does_not_sign(signing, as_user):
    quinn, task_id, _ = signing
    as_user("olga", groups=["QA"])
    refused = quinn.post(f"/tasks/{task_id}/complete", json={"signature": signature("olga")})
    assert refused.status_code == 403


def test_five_wrong_passwords_in_fifteen_minutes_stop_signing_until_the_window_passes(
    signing, admin, monkeypatch
):
    quinn, task_id, _ = signing
    wrong = {"signature": {"decision": "approve", "password": "nope"}}
    for _ in range(5):
        assert quinn.post(f"/tasks/{task_id}/complete", json=wrong).status_code == 403
    blocked = quinn.post(f"/tasks/{task_id}/complete", json={"signature": signature(quinn)})
    assert blocked.status_code == 429, blocked.json
    assert "15 minutes" in blocked.json["message"] and blocked.json["details"]["retry_after_seconds"] > 0
    assert _refusals(admin)[0]["after"]["refusal"] == "too-many-wrong-passwords"  # (newest first)

    later = utcnow() + timedelta(minutes=15, seconds=5)
    monkeypatch.setattr("app.services.reauthentication.utcnow", lambda: later)
    signed = quinn.post(f"/tasks/{task_id}/complete", json={"signature": signature(quinn)})
    assert signed.status_code == 200, signed.json


def test_another_users_wrong_passwords_do_not_count(signing, as_user):
    quinn, task_id, _ = signing
    olga = as_user("olga", groups=["QA"])
    wrong = {"signature": {"decision": "approve", "password": "nope"}}
    for _ in range(5):
        assert olga.post(f"/tasks/{task_id}/complete", json=wrong).status_code == 403
    assert quinn.post(f"/tasks/{task_id}/complete", json={"signature": signature(quinn)}).status_code == 200


def test_an_account_without_a_password_cannot_sign(signing, client, db_session):
    from app.services import identity

    _, task_id, _ = signing
    identity.create_user("robot", roles="user")  # a token-only service account
    identity.add_to_group("robot", "QA")
    robot = Api(client, identity.create_token("robot"), "robot")
    refused = robot.post(f"/tasks/{task_id}/complete", json={"signature": {"decision": "approve"}})
    assert refused.status_code == 403, refused.json
    assert "robot has no password" in refused.json["message"]
