"""Signed approvals: a signatureRole task is signed with the approver's Ed25519 key; tampering is caught."""

from __future__ import annotations

import hashlib
import json

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app.models import UserKey
from tests.conftest import DATA, signature


@pytest.fixture
def instance(admin):
    assert admin.deploy(DATA / "security" / "signed_approval.bpmn").status_code == 201
    return admin.post("/process-definitions/signed_approval/instances", json={}).json


def _open_task(api, instance_id):
    return api.get(f"/tasks?instance_id={instance_id}").json["items"][0]


def test_a_task_with_a_signature_role_needs_a_signature_decision(instance, as_user):
    qa = as_user("quinn", groups=["QA"])
    task = _open_task(qa, instance["id"])
    refused = qa.post(f"/tasks/{task['id']}/complete", json={})
    assert refused.status_code == 400 and "requires a signature as QA" in refused.json["message"]
    wrong = qa.post(f"/tasks/{task['id']}/complete", json={"signature": signature(qa, "maybe")})
    assert wrong.status_code == 400


def test_only_a_member_of_the_role_group_can_sign_even_an_admin_cannot(instance, admin):
    task = _open_task(admin, instance["id"])
    refused = admin.post(f"/tasks/{task['id']}/complete", json={"signature": signature(admin)})
    assert refused.status_code == 403
    assert "membership of the group 'QA'" in refused.json["message"]


def test_signatures_are_stored_and_verify_then_a_changed_decision_is_detected(
    app, instance, as_user, admin, db_session
):
    qa, owner = as_user("quinn", groups=["QA"]), as_user("olga", groups=["System Owner"])
    qa_task = _open_task(qa, instance["id"])
    signed = qa.post(f"/tasks/{qa_task['id']}/complete", json={"signature": signature(qa)})
    assert signed.status_code == 200, signed.json
    owner_task = _open_task(owner, instance["id"])
    body = {"signature": signature(owner, "reject", role="System Owner")}
    no_reason = owner.post(f"/tasks/{owner_task['id']}/complete", json=body)
    assert no_reason.status_code == 400 and "requires a reason" in no_reason.json["message"]
    rejected = owner.post(f"/tasks/{owner_task['id']}/complete", json={**body, "reason": "wrong torque"})
    assert rejected.status_code == 200, rejected.json

    listed = admin.get(f"/instances/{instance['id']}/signatures").json
    assert [(s["approver"], s["role"], s["decision"]) for s in listed["items"]] == [
        ("quinn", "QA", "approve"),
        ("olga", "System Owner", "reject"),
    ]
    verified = admin.get(f"/instances/{instance['id']}/signatures/verify").json
    assert verified["ok"] is True and verified["count"] == 2

    _tamper(db_session, "UPDATE signatures SET decision = 'approve' WHERE decision = 'reject'")
    tampered = admin.get(f"/instances/{instance['id']}/signatures/verify").json
    assert tampered["ok"] is False
    bad = [s for s in tampered["signatures"] if not s["valid"]]
    assert [s["approver"] for s in bad] == ["olga"] and "changed after signing" in bad[0]["problem"]

    cli = app.test_cli_runner().invoke(args=["signatures", "verify", instance["id"]])
    assert cli.exit_code == 1 and "NOT all valid" in cli.output and "olga as System Owner" in cli.output


def test_the_decision_reaches_the_process_variables(instance, as_user, admin):
    qa = as_user("quinn", groups=["QA"])
    task = _open_task(qa, instance["id"])
    qa.post(f"/tasks/{task['id']}/complete", json={"signature": signature(qa)})
    assert admin.get(f"/instances/{instance['id']}").json["variables"]["decision"] == "approve"


def test_the_private_key_is_encrypted_at_rest(instance, as_user, db_session):
    from cryptography.fernet import Fernet, InvalidToken

    qa = as_user("quinn", groups=["QA"])
    task = _open_task(qa, instance["id"])
    qa.post(f"/tasks/{task['id']}/complete", json={"signature": signature(qa)})
    key = db_session.query(UserKey).one()
    assert key.encrypted_private_key.startswith(b"gAAAAA")  # a Fernet token, not 32 raw key bytes
    with pytest.raises(InvalidToken):
        Fernet(Fernet.generate_key()).decrypt(key.encrypted_private_key)


def test_another_tenants_instance_signatures_are_a_404(instance, db_session, client):
    from app.services import identity
    from tests.conftest import Api

    identity.create_user("eve", roles="admin", tenant_id="other")
    eve = Api(client, identity.create_token("eve", tenant_id="other"))
    assert eve.get(f"/instances/{instance['id']}/signatures/verify").status_code == 404


def _tamper(db_session, statement: str) -> None:
    """Change stored rows behind the application's back, as someone with SQL access would (the test
    harness is superuser: triggers are off for the rest of the test's transaction)."""
    db_session.execute(text("SET LOCAL session_replication_role = replica"))
    db_session.execute(text(statement))


@pytest.mark.parametrize(
    "change",
    [
        "approver = 'olly'",  # the account that signed
        "printed_name = 'Olly Other'",  # the printed name shown with the signature (11.50)
        "reason = 'all fine'",  # why it was signed
        "element_id = 'owner_approval'",  # which step of the process it was signed at
    ],
)
def test_what_a_signature_shows_is_bound_to_it_so_a_changed_name_reason_or_step_is_invalid(
    instance, as_user, admin, db_session, change
):
    qa = as_user("quinn", groups=["QA"])
    task = _open_task(qa, instance["id"])
    body = {"signature": signature(qa, "reject"), "reason": "no calibration record"}
    assert qa.post(f"/tasks/{task['id']}/complete", json=body).status_code == 200
    assert admin.get(f"/instances/{instance['id']}/signatures/verify").json["ok"] is True

    _tamper(db_session, f"UPDATE signatures SET {change}")  # noqa: S608 (a literal of this test)
    verified = admin.get(f"/instances/{instance['id']}/signatures/verify").json
    assert verified["ok"] is False
    assert "changed after signing" in verified["signatures"][0]["problem"]


def _signed(instance, as_user, admin) -> dict:
    qa = as_user("quinn", groups=["QA"])
    task = _open_task(qa, instance["id"])
    signed = qa.post(f"/tasks/{task['id']}/complete", json={"signature": signature(qa)})
    assert signed.status_code == 200, signed.json
    return task


def test_postgresql_refuses_to_change_or_delete_a_signature(instance, as_user, admin, db_session):
    _signed(instance, as_user, admin)
    for statement in (
        "UPDATE signatures SET decision = 'reject'",
        "DELETE FROM signatures",
        "UPDATE user_keys SET public_key = public_key",  # a swapped key would re-sign anything
        "DELETE FROM user_keys",
    ):
        with pytest.raises(DBAPIError, match="append-only"), db_session.begin_nested():
            db_session.execute(text(statement))


def test_a_removed_signature_is_reported_from_the_audit_trail(app, instance, as_user, admin, db_session):
    task = _signed(instance, as_user, admin)
    _tamper(db_session, "DELETE FROM signatures")
    verified = admin.get(f"/instances/{instance['id']}/signatures/verify").json
    assert verified["ok"] is False and verified["count"] == 1
    (missing,) = verified["signatures"]
    assert missing["task_id"] == task["id"] and missing["approver"] == "quinn" and not missing["valid"]
    assert "missing" in missing["problem"] and "audit entry" in missing["problem"]
    cli = app.test_cli_runner().invoke(args=["signatures", "verify", instance["id"]])
    assert cli.exit_code == 1


def test_a_refused_signature_attempt_is_audited(app, instance, admin):
    """21 CFR 11.300(d): attempts at unauthorised use are recorded, though nothing was signed."""
    task = _open_task(admin, instance["id"])
    refused = admin.post(f"/tasks/{task['id']}/complete", json={"signature": signature(admin)})
    assert refused.status_code == 403
    entries = admin.get("/audit?action=task.sign_refused").json["items"]
    assert [(e["actor"], e["object_id"]) for e in entries] == [("admin", task["id"])]
    assert entries[0]["after"] == {"role": "QA", "decision": "approve", "refusal": "not-in-group"}
    assert "membership of the group 'QA'" in entries[0]["reason"]
    assert _open_task(admin, instance["id"])["status"] == "open"  # and nothing else was written
    assert app.test_cli_runner().invoke(args=["audit", "verify"]).exit_code == 0


@pytest.fixture
def release(admin, as_user):
    """A batch release signed as QA with a form value (batch): (instance id, task id, quinn of QA)."""
    assert admin.deploy(DATA / "inbox" / "signed_release.bpmn").status_code == 201
    started = admin.post("/process-definitions/signed_release/instances", json={}).json
    return started["id"], started["tasks"][0]["id"], as_user("quinn", groups=["QA"])


def test_a_signature_binds_the_values_submitted_so_a_changed_value_is_invalid(
    app, release, admin, db_session
):
    instance_id, task_id, quinn = release
    body = {"variables": {"batch": "B-17"}, "signature": signature(quinn)}
    assert quinn.post(f"/tasks/{task_id}/complete", json=body).status_code == 200
    (listed,) = admin.get(f"/instances/{instance_id}/signatures").json["items"]
    assert listed["scheme"] == 4 and listed["values"] == {"batch": "B-17", "decision": "approve"}
    canonical = json.dumps(listed["values"], sort_keys=True, separators=(",", ":"))
    assert listed["values_sha256"] == hashlib.sha256(canonical.encode()).hexdigest()
    assert admin.get(f"/instances/{instance_id}/signatures/verify").json["ok"] is True

    _tamper(db_session, "UPDATE signatures SET signed_values = replace(signed_values, 'B-17', 'B-18')")
    verified = admin.get(f"/instances/{instance_id}/signatures/verify").json
    assert verified["ok"] is False and "changed after signing" in verified["signatures"][0]["problem"]
    cli = app.test_cli_runner().invoke(args=["signatures", "verify", instance_id])
    assert cli.exit_code == 1 and "quinn as QA" in cli.output


@pytest.mark.parametrize("scheme", [1, 2, 3])
def test_signatures_of_the_earlier_schemes_verify_as_before(release, admin, monkeypatch, scheme):
    """Rows signed before the values (scheme 1, 2) or the printed name (3) were bound keep verifying
    over what they bound, and show the only name they recorded, the username."""
    from app.services import signatures

    monkeypatch.setattr(signatures, "SCHEME", scheme)
    instance_id, task_id, quinn = release
    body = {"variables": {"batch": "B-17"}, "signature": signature(quinn)}
    assert quinn.post(f"/tasks/{task_id}/complete", json=body).status_code == 200
    (listed,) = admin.get(f"/instances/{instance_id}/signatures").json["items"]
    assert listed["scheme"] == scheme and (listed["values"] is None) == (scheme < 3)
    assert listed["printed_name"] == "quinn"
    verified = admin.get(f"/instances/{instance_id}/signatures/verify").json
    assert verified["ok"] is True and verified["signatures"][0]["printed_name"] == "quinn"


def test_a_signature_shows_the_signers_printed_name_as_it_was_at_signing(
    app, instance, as_user, admin, db_session
):
    """21 CFR 11.50(a)(1): the signed record shows the signer's printed name (their display name,
    not the account), kept as signed when the user is renamed later."""
    qa = as_user("quinn", groups=["QA"], display_name="Quinn Q. Adams")
    task = _open_task(qa, instance["id"])
    assert qa.post(f"/tasks/{task['id']}/complete", json={"signature": signature(qa)}).status_code == 200
    db_session.execute(text("UPDATE users SET display_name = 'Quinn Baker' WHERE username = 'quinn'"))

    (listed,) = admin.get(f"/instances/{instance['id']}/signatures").json["items"]
    assert (listed["printed_name"], listed["approver"], listed["scheme"]) == ("Quinn Q. Adams", "quinn", 4)
    verified = admin.get(f"/instances/{instance['id']}/signatures/verify").json
    assert verified["ok"] is True and verified["signatures"][0]["printed_name"] == "Quinn Q. Adams"
    cli = app.test_cli_runner().invoke(args=["signatures", "verify", instance["id"]])
    assert cli.exit_code == 0 and "Quinn Q. Adams (quinn) as QA: approve [ok]" in cli.output

    _tamper(db_session, "UPDATE signatures SET printed_name = 'Quinn Baker'")
    tampered = admin.get(f"/instances/{instance['id']}/signatures/verify").json
    assert tampered["ok"] is False and "changed after signing" in tampered["signatures"][0]["problem"]


def test_a_removed_signature_is_reported_with_its_printed_name(instance, as_user, admin, db_session):
    qa = as_user("quinn", groups=["QA"], display_name="Quinn Q. Adams")
    task = _open_task(qa, instance["id"])
    assert qa.post(f"/tasks/{task['id']}/complete", json={"signature": signature(qa)}).status_code == 200
    _tamper(db_session, "DELETE FROM signatures")
    (missing,) = admin.get(f"/instances/{instance['id']}/signatures/verify").json["signatures"]
    shown = (missing["printed_name"], missing["approver"], missing["valid"])
    assert shown == ("Quinn Q. Adams", "quinn", False)
