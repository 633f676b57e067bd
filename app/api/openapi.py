"""The OpenAPI 3 document, built from the registered routes and the marshmallow schemas."""

from __future__ import annotations

import re
from functools import cache

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import current_app

from app.schemas import core

_REQUEST_BODIES = {
    "api.start_instance": "StartInstance",
    "api.complete_task": "CompleteTask",
    "api.post_message": "Message",
    "api.evaluate": "Evaluate",
    "api.change_process_definition_status": "StatusChange",
}
_RESPONSES = {"api.get_task_form": "Form", "api.get_start_form": "Form"}
_SCHEMAS = {
    "Form": core.FormSchema,
    "Definition": core.DefinitionSchema,
    "Instance": core.InstanceSchema,
    "Task": core.TaskSchema,
    "HistoryEntry": core.HistoryEntrySchema,
    "StartInstance": core.StartInstanceSchema,
    "CompleteTask": core.CompleteTaskSchema,
    "Message": core.MessageSchema,
    "Evaluate": core.EvaluateSchema,
    "StatusChange": core.StatusChangeSchema,
}


@cache
def _document(rules: tuple) -> dict:
    spec = APISpec(title="Baton", version="1.0.0", openapi_version="3.0.3", plugins=[MarshmallowPlugin()])
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    for name, schema in _SCHEMAS.items():
        spec.components.schema(name, schema=schema)
    for path, methods, endpoint, doc in rules:
        operations = {}
        for method in methods:
            operation = {
                "summary": doc,
                "operationId": endpoint.split(".")[-1],
                "responses": {"200": {"description": "OK"}, "4XX": {"description": "Problem JSON"}},
            }
            if endpoint in _RESPONSES:
                ref = {"$ref": f"#/components/schemas/{_RESPONSES[endpoint]}"}
                operation["responses"]["200"]["content"] = {"application/json": {"schema": ref}}
            if endpoint in _REQUEST_BODIES:
                ref = {"$ref": f"#/components/schemas/{_REQUEST_BODIES[endpoint]}"}
                operation["requestBody"] = {"content": {"application/json": {"schema": ref}}}
            if endpoint not in ("api.health", "api.openapi"):
                operation["security"] = [{"bearer": []}]
            operations[method.lower()] = operation
        spec.path(path=path, operations=operations)
    return spec.to_dict()


def openapi_document() -> dict:
    rules = []
    for rule in current_app.url_map.iter_rules():
        if not rule.endpoint.startswith("api."):
            continue
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
        methods = tuple(sorted(m for m in rule.methods if m not in ("HEAD", "OPTIONS")))
        doc = (current_app.view_functions[rule.endpoint].__doc__ or rule.endpoint).strip().splitlines()[0]
        rules.append((path, methods, rule.endpoint, doc))
    return _document(tuple(sorted(rules)))
