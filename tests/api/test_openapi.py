"""GET /api/v1/openapi.json is a valid OpenAPI 3 document of every route: its parameters, bodies,
answers and errors. (tests/api/conftest.py checks every answer of the API tests against it.)"""

from __future__ import annotations

import re
import uuid

import pytest
from openapi_spec_validator import validate

from app.api.contract import CONTRACTS, MULTIPART
from app.api.openapi import path_of
from tests.api.test_permissions import ROUTES as SECURED
from tests.conftest import Api

PUBLIC = [("api.health", "GET", "/api/v1/health"), ("api.openapi", "GET", "/api/v1/openapi.json")]
ROUTES = sorted(SECURED + PUBLIC)
IDS = [f"{method} {rule}" for _, method, rule in ROUTES]


@pytest.fixture
def document(client) -> dict:
    response = client.get("/api/v1/openapi.json")  # no token: the document is public
    assert response.status_code == 200
    return response.json


def operation(document: dict, method: str, rule: str) -> dict:
    """The operation of a rule, given with or without its /api/v1 prefix."""
    return document["paths"][path_of("/api/v1" + rule.removeprefix("/api/v1"))][method.lower()]


def concrete(rule: str) -> str:
    rule = re.sub(r"<uuid:[^>]+>", lambda _: str(uuid.uuid4()), rule)
    return re.sub(r"<[^>]+>", "nothing-here", rule).removeprefix("/api/v1")


def test_the_document_is_valid_openapi_3(document):
    validate(document)
    assert document["openapi"].startswith("3.")


@pytest.mark.parametrize(("endpoint", "method", "rule"), ROUTES, ids=IDS)
def test_every_route_is_documented_with_its_method(document, endpoint, method, rule):
    assert endpoint in CONTRACTS, f"add {endpoint} to app/api/contract.py"
    documented = operation(document, method, rule)
    assert documented["operationId"] == endpoint.removeprefix("api.") and documented["summary"]
    names = re.findall(r"<(?:[^:>]+:)?([^>]+)>", rule)
    declared = document["paths"][path_of(rule)].get("parameters", [])
    assert [(p["in"], p["name"], p["required"]) for p in declared] == [("path", n, True) for n in names]
    answers = documented["responses"]
    assert "400" in answers and ("404" in answers or not names)
    assert documented.get("security", document["security"]) == (
        [] if (endpoint, method, rule) in PUBLIC else [{"bearer": []}]
    )
    if (endpoint, method, rule) not in PUBLIC:
        assert {"401", "403"} <= set(answers)


def test_path_parameters_have_their_formats(document):
    (task_id,) = document["paths"]["/api/v1/tasks/{task_id}"]["parameters"]
    assert task_id["schema"] == {"type": "string", "format": "uuid"}
    (key,) = document["paths"]["/api/v1/process-definitions/{key}"]["parameters"]
    assert key["schema"] == {"type": "string"}


def test_query_parameters_are_declared(document):
    params = {p["name"]: p for p in operation(document, "GET", "/tasks")["parameters"]}
    assert {"limit", "offset", "assignee", "candidate_group", "definition_key", "status"} <= set(params)
    assert params["status"]["schema"]["enum"] == ["open", "completed", "cancelled"]
    assert params["instance_id"]["schema"]["format"] == "uuid"
    instances = {p["name"] for p in operation(document, "GET", "/instances")["parameters"]}
    assert {"key", "definition_key", "business_key"} <= instances


def test_bodies_answers_and_created_statuses_are_documented(document):
    start = operation(document, "POST", "/process-definitions/<key>/instances")
    body = start["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    schema = document["components"]["schemas"][body.rsplit("/", 1)[1]]
    assert {"variables", "business_key", "businessKey"} <= set(schema["properties"])
    assert schema["additionalProperties"] is False
    assert {"201", "200", "409"} <= set(start["responses"])
    assert any(p["in"] == "header" and p["name"] == "Idempotency-Key" for p in start["parameters"])
    for method, rule, status in [
        ("POST", "/tokens", "201"),
        ("POST", "/delegations", "201"),
        ("POST", "/tasks/<uuid:task_id>/complete", "200"),
        ("DELETE", "/secrets/<name>", "204"),
    ]:
        assert status in operation(document, method, rule)["responses"], (method, rule)
    for method, rule in [("POST", "/instances/<uuid:instance_id>/cancel"), ("POST", "/tokens")]:
        assert "requestBody" in operation(document, method, rule)


def test_the_upload_is_documented_as_multipart_with_camundas_fields(document):
    upload = operation(document, "POST", "/deployments")
    schema = upload["requestBody"]["content"][MULTIPART]["schema"]
    assert {"files", "name", "deployment-name", "deployment-source", "tenant-id"} <= set(schema["properties"])
    assert schema["additionalProperties"] == {"type": "string", "format": "binary"}
    assert "ignored" in schema["properties"]["deployment-source"]["description"]
    assert {"201", "413", "415"} <= set(upload["responses"])


def test_errors_are_json_problems_and_the_token_a_bearer(document):
    problem = document["components"]["schemas"]["Problem"]
    assert problem["required"] == ["error", "message", "details"]
    assert document["components"]["securitySchemes"]["bearer"] == {"type": "http", "scheme": "bearer"}
    not_found = document["components"]["responses"]["E404"]["content"]["application/json"]["schema"]
    assert not_found == {"$ref": "#/components/schemas/Problem"}


JSON_BODIES = [r for r in SECURED if CONTRACTS[r[0]].body and CONTRACTS[r[0]].media != MULTIPART]
QUERIES = [r for r in ROUTES if CONTRACTS[r[0]].query]


@pytest.mark.parametrize(("endpoint", "method", "rule"), JSON_BODIES, ids=[r[2] for r in JSON_BODIES])
def test_every_documented_body_refuses_a_field_it_does_not_take(admin: Api, endpoint, method, rule):
    response = admin.client.open(
        "/api/v1" + concrete(rule), method=method, json={"zz_unknown": 1}, headers=admin._headers()
    )
    assert response.status_code == 400 and "unknown field 'zz_unknown'" in response.json["message"]


@pytest.mark.parametrize(("endpoint", "method", "rule"), QUERIES, ids=[r[2] for r in QUERIES])
def test_every_documented_query_refuses_a_parameter_it_does_not_take(admin: Api, endpoint, method, rule):
    response = admin.client.open(
        "/api/v1" + concrete(rule), method=method, query_string={"zz": 1}, headers=admin._headers()
    )
    assert response.status_code == 400 and "unknown query parameter 'zz'" in response.json["message"]


@pytest.mark.parametrize(("endpoint", "method", "rule"), ROUTES, ids=IDS)
def test_a_route_refuses_what_it_does_not_document(admin: Api, endpoint, method, rule):
    contract = CONTRACTS[endpoint]
    path, headers = "/api/v1" + concrete(rule), admin._headers()
    if contract.query is None:
        response = admin.client.open(path, method=method, query_string={"zz": 1}, headers=headers)
        assert response.status_code == 400, response.json
        assert response.json["message"] == "unknown query parameter 'zz': this route takes none"
    if contract.body is None:
        response = admin.client.open(path, method=method, json={"zz": 1}, headers=headers)
        assert response.status_code == 400, response.json
        assert response.json["message"] == "unknown field 'zz': this route takes no request body"
