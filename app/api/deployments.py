"""Deployments and process definitions."""

from __future__ import annotations

from flask import g, jsonify, request
from werkzeug.datastructures import MultiDict

from app.api import api_bp, json_body
from app.errors import UnsupportedMediaType, ValidationError
from app.schemas.core import DefinitionSchema, PageSchema, StatusChangeSchema, VersionQuerySchema
from app.schemas.deployments import DeploymentFormSchema
from app.schemas.loading import load
from app.services import definitions
from app.services import deployments as service

definition_schema = DefinitionSchema()
NO_FILE = (
    "a deployment needs at least one file: send each .bpmn, .dmn or .form file as a part of a "
    "multipart/form-data body, under any part name (e.g. 'files')"
)


@api_bp.post("/deployments")
def create_deployment():
    """Deploy BPMN, DMN and form files (multipart/form-data, as Camunda 7's /deployment/create)."""
    form, files = _upload()
    deployed = service.deploy(files, g.user, name=form["name"], publish=form["publish"])
    body = {
        "id": str(deployed.deployment.id),
        "name": deployed.deployment.name,
        "warnings": deployed.warnings,
        "definitions": definition_schema.dump(deployed.definitions, many=True),
    }
    return jsonify(body), 201 if deployed.new else 200


def _upload() -> tuple[dict, list[tuple[str, bytes]]]:
    """The upload's text fields, validated, and its files under whatever part names they came."""
    if request.mimetype != "multipart/form-data" and request.content_length:
        raise UnsupportedMediaType(f"{NO_FILE}; this request was {request.mimetype or 'untyped'}")
    files, text = _parts()
    form = load(DeploymentFormSchema, text, source="form field")
    if form["tenant_id"] not in (None, g.user.tenant_id):
        raise ValidationError(
            f"tenant-id '{form['tenant_id']}' is not your tenant '{g.user.tenant_id}': "
            "a deployment goes to the tenant of the caller",
            {"field": "tenant-id"},
        )
    if not files:
        raise ValidationError(NO_FILE, {"field": "files"})
    return form, files


def _parts() -> tuple[list[tuple[str, bytes]], MultiDict]:
    # A text part named like a file (`process.bpmn`) is a file: clients that append a string rather
    # than a file send it so, and Camunda takes it. An empty file input (no name, no bytes) is none.
    files: list[tuple[str, bytes]] = []
    text: MultiDict[str, str] = MultiDict()
    for part, upload in request.files.items(multi=True):
        data = upload.read()
        if data or upload.filename:
            files.append((upload.filename or part, data))
    for part, value in request.form.items(multi=True):
        if "." in part:
            files.append((part, value.encode()))
        else:
            text.add(part, value)
    return files, text


@api_bp.get("/process-definitions")
def list_process_definitions():
    page = load(PageSchema, request.args)
    items, total = definitions.list_definitions(g.user.tenant_id, "bpmn", page["limit"], page["offset"])
    return jsonify({"items": definition_schema.dump(items, many=True), "total": total})


@api_bp.get("/process-definitions/<key>")
def get_process_definition(key: str):
    version = load(VersionQuerySchema, request.args)["version"]
    definition = definitions.get_definition(g.user.tenant_id, key, version=version)
    body = definition_schema.dump(definition)
    body["versions"] = definition_schema.dump(definitions.versions_of(g.user.tenant_id, key), many=True)
    body["candidate_starter_groups"] = definition.meta.get("candidate_starter_groups", [])
    return jsonify(body)


@api_bp.get("/process-definitions/<key>/xml")
def get_process_definition_xml(key: str):
    version = load(VersionQuerySchema, request.args)["version"]
    definition = definitions.get_definition(g.user.tenant_id, key, version=version)
    return definition.resource.content, 200, {"Content-Type": "application/xml"}


@api_bp.post("/process-definitions/<key>/status")
def change_process_definition_status(key: str):
    data = load(StatusChangeSchema, json_body())
    definition = definitions.set_status(g.user.tenant_id, key, data["status"], data["version"], g.user)
    return jsonify(definition_schema.dump(definition))
