"""The OpenAPI 3 document: the routes registered on the API blueprint, described by the table in
app/api/contract.py and the marshmallow schemas it names."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import current_app
from marshmallow import Schema

from app.api import PUBLIC_ENDPOINTS as PUBLIC
from app.api.contract import CONTRACTS, MULTIPART, XML, Contract

_PARAMETER = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")
_FORMATS = {"uuid": {"type": "string", "format": "uuid"}, "int": {"type": "integer"}}
_DESCRIPTION = """Every route but health and this document needs `Authorization: Bearer <token>`.
`OPTIONS` on any of these paths answers 204 with an `Allow` header naming its methods, without a token.

An error is a JSON problem `{"error": code, "message": text, "details": {...}}` with a 4xx status;
the message names the field, element or file at fault. A query parameter or body field that a route
does not take is refused with a 400 naming it (and the field it most looks like), never ignored."""
_PROBLEM = {
    "type": "object",
    "required": ["error", "message", "details"],
    "properties": {
        "error": {"type": "string", "description": "machine code", "example": "validation_error"},
        "message": {"type": "string", "description": "what is wrong, naming the field, element or file"},
        "details": {
            "description": "what the error is about (e.g. `fields`: the message of each bad field)",
            "oneOf": [{"type": "object"}, {"type": "array", "items": {}}],
        },
    },
}
_ERRORS = {
    400: "The request is invalid: a field or parameter is missing, unknown or wrong (the message names it)",
    401: "No valid bearer token",
    403: "The token's user lacks the permission this route needs",
    404: "What the path names does not exist in the caller's tenant",
    413: "The request body is over the size limit (four times BATON_MAX_UPLOAD_BYTES)",
    415: "The body is not of the media type this route takes",
    503: "The database is not reachable",
}


def openapi_document() -> dict:
    """The document for the app's registered API routes (built once per set of routes)."""
    rules = []
    for rule in current_app.url_map.iter_rules():
        if rule.endpoint.startswith("api."):
            view = current_app.view_functions[rule.endpoint]
            methods = tuple(sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}))  # (Flask sets them)
            rules.append((rule.rule, methods, rule.endpoint, view.__doc__ or "", view.__module__))
    return _document(tuple(sorted(rules)))


@cache
def _document(rules: tuple) -> dict:
    plugin = MarshmallowPlugin()
    spec = APISpec(
        title="Baton",
        version="1.0.0",
        openapi_version="3.0.3",
        plugins=[plugin],
        info={"description": _DESCRIPTION},
        security=[{"bearer": []}],
    )
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.schema("Problem", _PROBLEM)
    for status, text in _ERRORS.items():
        spec.components.response(f"E{status}", _problem(text))
    for rule, methods, endpoint, doc, module in rules:
        contract = CONTRACTS.get(endpoint) or Contract(endpoint, {})
        parameters = [_path_parameter(converter, name) for converter, name in _PARAMETER.findall(rule)]
        operation = _operation(endpoint, contract, doc, module.rsplit(".", 1)[-1], plugin)
        if parameters:
            operation["responses"].setdefault("404", {"$ref": "#/components/responses/E404"})
        spec.path(
            path=path_of(rule),
            operations={method.lower(): operation for method in methods},
            parameters=parameters,
        )
    return spec.to_dict()


def path_of(rule: str) -> str:
    """The OpenAPI path of a Flask rule: `/tasks/<uuid:task_id>` is `/tasks/{task_id}`."""
    return _PARAMETER.sub(r"{\2}", rule)


def _operation(endpoint: str, contract: Contract, doc: str, tag: str, plugin) -> dict:
    summary, _, description = doc.strip().partition("\n")
    operation: dict[str, Any] = {
        "operationId": endpoint.removeprefix("api."),
        "summary": summary or contract.summary,
        "tags": [tag],
        "parameters": [{"in": "query", "schema": contract.query}] if contract.query else [],
        "responses": _responses(endpoint, contract),
    }
    if description.strip():
        operation["description"] = description.strip()
    if contract.body is not None:
        operation["requestBody"] = _request_body(contract, contract.body, plugin)
    if contract.idempotent:
        operation["parameters"].append(_IDEMPOTENCY)
    if endpoint in PUBLIC:
        operation["security"] = []
    return operation


_IDEMPOTENCY = {
    "in": "header",
    "name": "Idempotency-Key",
    "required": False,
    "schema": {"type": "string", "maxLength": 255},
    "description": "a retry with the same key answers 200 with the instance the first call started",
}


def _request_body(contract: Contract, body: type[Schema], plugin) -> dict:
    if contract.media != MULTIPART:
        required = any(field.required for field in body().load_fields.values())
        return {"required": required, "content": {contract.media: {"schema": body}}}
    schema = plugin.converter.schema2jsonschema(body)
    binary = {"type": "string", "format": "binary"}
    schema["properties"]["files"] = {
        "type": "array",
        "items": binary,
        "description": "the .bpmn, .dmn and .form files; a file under any other part name is taken too",
    }
    schema["additionalProperties"] = binary
    return {"required": True, "content": {MULTIPART: {"schema": schema}}}


def _responses(endpoint: str, contract: Contract) -> dict:
    answers = {str(contract.status): _answer(contract)}
    if contract.replay:
        answers["200"] = {**_answer(contract), "description": contract.replay}
    for status in _error_statuses(endpoint, contract):
        answers[str(status)] = {"$ref": f"#/components/responses/E{status}"}
    if contract.conflicts:
        answers["409"] = _problem(f"Conflict: {contract.conflicts}")
    if contract.missing:
        answers["404"] = _problem(f"Not found: {contract.missing}")
    if contract.unprocessable:
        answers["422"] = _problem(f"Unprocessable: {contract.unprocessable}")
    if contract.throttled:
        answers["429"] = _problem(f"Too many requests: {contract.throttled}")
    return answers


def _answer(contract: Contract) -> dict:
    if contract.answer is None:
        return {"description": "Done; no content"}
    if contract.answer == XML:
        return {"description": "OK", "content": {XML: {"schema": {"type": "string"}}}}
    return {"description": "OK", "content": {"application/json": {"schema": contract.answer}}}


def _error_statuses(endpoint: str, contract: Contract) -> list[int]:
    statuses = [400]  # every route refuses a parameter or field it does not take
    if endpoint not in PUBLIC:
        statuses += [401, 403]
    if contract.body is not None:
        statuses += [413, 415]
    if endpoint == "api.health":
        statuses.append(503)
    return statuses


def _problem(text: str) -> dict:
    problem = {"schema": {"$ref": "#/components/schemas/Problem"}}
    return {"description": text, "content": {"application/json": problem}}


def _path_parameter(converter: str, name: str) -> dict:
    schema = _FORMATS.get(converter, {"type": "string"})
    return {"in": "path", "name": name, "required": True, "schema": schema}
