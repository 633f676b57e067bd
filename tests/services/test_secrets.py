"""Handler secrets: stored encrypted, listed by name only, handed to handlers by name, never logged."""

from __future__ import annotations

import logging

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text

from app.errors import NotFound, Unavailable
from app.services.secrets_store import get_secret

VALUE = "sk_live_7Hq2-very-secret-value"


def test_a_secret_is_stored_encrypted_and_listed_by_name_only(admin, db_session):
    saved = admin.client.put("/api/v1/secrets/crm_api_key", json={"value": VALUE}, headers=admin._headers())
    assert saved.status_code == 200 and VALUE not in saved.get_data(as_text=True)
    listed = admin.get("/secrets")
    assert [s["name"] for s in listed.json["items"]] == ["crm_api_key"]
    assert VALUE not in listed.get_data(as_text=True)
    stored = db_session.execute(text("SELECT ciphertext FROM secrets")).scalar_one()
    assert VALUE.encode() not in bytes(stored)
    assert get_secret("crm_api_key") == VALUE


@pytest.fixture
def sql_log(caplog):
    """Log every SQL statement with its parameters (set before the test's connection opens)."""
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine.Engine")
    return caplog


def test_no_secret_value_reaches_the_logs_or_the_audit_trail(sql_log, admin):
    caplog = sql_log
    admin.client.put("/api/v1/secrets/crm_api_key", json={"value": VALUE}, headers=admin._headers())
    admin.client.put("/api/v1/secrets/crm_api_key", json={"value": VALUE + "2"}, headers=admin._headers())
    assert get_secret("crm_api_key") == VALUE + "2"
    admin.get("/secrets")
    with pytest.raises(NotFound) as missing:
        get_secret("crm_api_kee")
    assert str(missing.value) == "secret 'crm_api_kee' does not exist"
    audit = admin.get("/audit?object_type=secret").get_data(as_text=True)
    assert "crm_api_key" in audit and VALUE not in audit
    assert "INSERT INTO secrets" in caplog.text, "the SQL log must be captured for this test to mean anything"
    assert VALUE not in caplog.text


def test_a_configured_secrets_key_is_used_and_a_wrong_key_names_only_the_secret(app, admin, monkeypatch):
    monkeypatch.setattr(app.config["BATON"], "SECRETS_KEY", Fernet.generate_key().decode())
    admin.client.put("/api/v1/secrets/erp_token", json={"value": VALUE}, headers=admin._headers())
    assert get_secret("erp_token") == VALUE
    monkeypatch.setattr(app.config["BATON"], "SECRETS_KEY", Fernet.generate_key().decode())
    with pytest.raises(Unavailable) as wrong:
        get_secret("erp_token")
    assert "erp_token" in str(wrong.value) and VALUE not in str(wrong.value)


def test_deleting_a_secret_and_other_tenants_do_not_see_it(admin, client, db_session):
    from app.services import identity
    from tests.conftest import Api

    admin.client.put("/api/v1/secrets/crm_api_key", json={"value": VALUE}, headers=admin._headers())
    identity.create_user("eve", roles="admin", tenant_id="other")
    eve = Api(client, identity.create_token("eve", tenant_id="other"))
    assert eve.get("/secrets").json["total"] == 0
    with pytest.raises(NotFound):
        get_secret("crm_api_key", "other")
    assert client.delete("/api/v1/secrets/crm_api_key", headers=eve._headers()).status_code == 404
    assert client.delete("/api/v1/secrets/crm_api_key", headers=admin._headers()).status_code == 204
    assert admin.get("/secrets").json["total"] == 0


def test_a_database_error_does_not_carry_the_values_it_was_given(admin, db_session):
    """Process variables and form data are statement parameters: a failing statement's message
    (what a 500 logs) names the statement, never its values."""
    from sqlalchemy.exc import IntegrityError

    from app.models import User

    with pytest.raises(IntegrityError) as clash, db_session.begin_nested():
        db_session.add(User(username="admin", display_name=VALUE))  # the admin exists already
        db_session.flush()
    assert "INSERT INTO users" in str(clash.value) and VALUE not in str(clash.value)


def test_a_secret_name_longer_than_its_column_is_a_400_naming_it(admin):
    path = "/api/v1/secrets/" + "k" * 151
    refused = admin.client.put(path, json={"value": VALUE}, headers=admin._headers())
    assert refused.status_code == 400 and refused.json["details"]["field"] == "name", refused.json
    assert VALUE not in refused.get_data(as_text=True)
    assert admin.get("/secrets").json["items"] == []
