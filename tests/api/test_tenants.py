"""No API call crosses tenants: tenant B's admin, given tenant A's keys and ids, finds nothing of A's."""

from __future__ import annotations

import re
import uuid

import pytest

from app.api.contract import CONTRACTS
from app.services import audit_seals, identity
from app.services.secrets_store import get_secret
from tests.api.test_permissions import ROUTES
from tests.conftest import DATA, Api

BODY = {
    "reason": "tenant probe",
    "status": "deprecated",
    "variables": {},
    "value": "B's value",
    "orders": [{"ref": "probe", "definition_key": "two_steps", "title": "probe"}],
    "to": "eve",
    "version": 1,
}


@pytest.fixture
def tenant_a(admin):
    """Tenant A ("default"): a process, a message wait, a decision, a token, a secret, a delegation."""
    identity.create_user("admin-deputy")
    deployed = admin.deploy(
        DATA / "simple" / "two_steps.bpmn",
        DATA / "security" / "waits_for_message.bpmn",
        DATA / "security" / "risk.dmn",
    )
    assert deployed.status_code == 201, deployed.json
    assert admin.post("/decisions/risk/evaluate", json={"variables": {"amount": 5}}).status_code == 200
    instance = admin.post("/process-definitions/two_steps/instances", json={}).json
    admin.post("/process-definitions/waits_for_message/instances", json={})
    token = admin.post("/tokens", json={"name": "a-token"}).json
    admin.client.put("/api/v1/secrets/crm_api_key", json={"value": "A's value"}, headers=admin._headers())
    audit_seals.seal_heads()  # (A's chain is sealed; B's seals must not show it)
    return {
        "seal_hash": admin.get("/audit/seals").json["items"][0]["hash"],
        "key": "two_steps",
        "instance_id": instance["id"],
        "task_id": instance["tasks"][0]["id"],
        "token_id": token["id"],
        "incident_id": str(uuid.uuid4()),  # no incident to borrow; still must be a 404
        "delivery_id": str(uuid.uuid4()),  # (nor a delivery)
        "name": "crm_api_key",
        "parent_id": instance["id"],  # A's instance as a work-order master
        "delegation_id": admin.post(
            "/delegations", json={"delegate": "admin-deputy", "permanent": True}
        ).json["id"],
        "notification_id": str(uuid.uuid4()),
    }


@pytest.fixture
def tenant_b(client, db_session) -> Api:
    identity.create_user("eve", roles="admin", tenant_id="other")
    return Api(client, identity.create_token("eve", tenant_id="other"))


def call(api: Api, method: str, rule: str, ids: dict, endpoint: str):
    values = {**ids, "key": "risk" if "decision" in rule else ids["key"]}  # (A's decision's key)
    path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", lambda m: values[m.group(1)], rule)
    schema = CONTRACTS[endpoint].body
    body = {name: value for name, value in BODY.items() if schema and name in schema().load_fields}
    return api.client.open(path, method=method, json=body or None, headers=api._headers())


def _no_a_ids(ids):
    def check(response):
        assert response.status_code == 200, response.json
        text = response.get_data(as_text=True)
        assert ids["instance_id"] not in text and ids["token_id"] not in text and ids["task_id"] not in text

    return check


def _no_a_seal(ids):
    def check(response):
        assert response.status_code == 200, response.json
        assert ids["seal_hash"] not in response.get_data(as_text=True)

    return check


def _created(response):
    assert response.status_code == 201, response.json


def _ok(response):
    assert response.status_code == 200, response.json


def _not_found(response):
    # B names A's user as delegate: in B's tenant there is no such user.
    assert response.status_code in (400, 404), response.json


def _empty(response):
    assert response.status_code == 200 and response.json["total"] == 0, response.json


WITHOUT_IDS = {
    "api.list_process_definitions": lambda ids: _empty,
    "api.list_decision_definitions": lambda ids: _empty,
    "api.list_instances": lambda ids: _empty,
    "api.list_tasks": lambda ids: _empty,
    "api.list_secrets": lambda ids: _empty,
    "api.list_tokens": _no_a_ids,
    "api.list_audit": _no_a_ids,
    "api.verify_audit": _no_a_ids,  # B's own chain (the answer names no entry of A's)
    "api.list_audit_seals": _no_a_seal,
    "api.list_incidents": _no_a_ids,
    "api.list_deliveries": lambda ids: _empty,
    "api.create_api_token": lambda ids: _created,
    "api.list_delegations": _no_a_ids,
    "api.list_notifications": _no_a_ids,
    "api.read_all_notifications": lambda ids: _ok,
    "api.get_notification_preferences": lambda ids: _ok,
    "api.set_notification_preferences": lambda ids: _ok,
    "api.sla_report": _no_a_ids,
    "api.sla_summary": _no_a_ids,
}


@pytest.mark.parametrize(("endpoint", "method", "rule"), ROUTES, ids=[f"{m} {r}" for _, m, r in ROUTES])
def test_tenant_b_cannot_reach_tenant_a(tenant_a, tenant_b, endpoint, method, rule):
    response = call(tenant_b, method, rule, tenant_a, endpoint)
    if endpoint == "api.set_secret":
        assert response.status_code == 200  # B now has its own secret of that name ...
        assert get_secret("crm_api_key", "default") == "A's value"  # ... and A's is untouched
    elif "<" in rule:
        assert response.status_code == 404, (endpoint, response.json)
    elif endpoint == "api.post_message":
        sent = tenant_b.post("/messages", json={"name": "parts_ready"})
        assert sent.status_code == 404, sent.json
    elif endpoint == "api.post_signal":  # a broadcast: it reaches none of A's instances
        sent = tenant_b.post("/signals", json={"name": "parts_ready"})
        assert sent.json == {"delivered_to": [], "started": []}, sent.json
    elif endpoint == "api.create_delegation":
        _not_found(tenant_b.post("/delegations", json={"delegate": "admin", "permanent": True}))
    elif endpoint == "api.create_deployment":
        deployed = tenant_b.deploy(DATA / "simple" / "two_steps.bpmn")
        assert deployed.json["definitions"][0]["version"] == 1  # A's version 1 is not B's history
    else:
        assert endpoint in WITHOUT_IDS, f"add a tenant check for {endpoint} to tests/api/test_tenants.py"
        WITHOUT_IDS[endpoint](tenant_a)(response)


def test_a_token_belongs_to_its_tenant(tenant_a, tenant_b, client):
    created = tenant_b.post("/tokens", json={"name": "b"}).json
    assert Api(client, created["token"]).get("/instances").json["total"] == 0


def test_the_same_username_in_two_tenants_are_two_users(tenant_a, client, db_session):
    identity.create_user("admin", roles="user", tenant_id="other")
    other_admin = Api(client, identity.create_token("admin", tenant_id="other"))
    assert other_admin.get("/tasks").json["total"] == 0
    assert other_admin.get(f"/tasks/{tenant_a['task_id']}").status_code == 404
