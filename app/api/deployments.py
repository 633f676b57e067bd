"""Deployments and process definitions."""

from __future__ import annotations

from flask import g, jsonify, request

from app.api import api_bp, json_body
from app.schemas.core import DefinitionSchema, PageSchema, StatusChangeSchema, load
from app.services import deployments as service

definition_schema = DefinitionSchema()


@api_bp.post("/deployments")
def create_deployment():
    files = [(f.filename or "", f.read()) for f in request.files.getlist("files")]
    publish = request.form.get("publish", "true").lower() not in ("false", "0", "no")
    deployed = service.deploy(files, g.user, name=request.form.get("name"), publish=publish)
    body = {
        "id": str(deployed.deployment.id),
        "name": deployed.deployment.name,
        "warnings": deployed.warnings,
        "definitions": definition_schema.dump(deployed.definitions, many=True),
    }
    return jsonify(body), 201 if deployed.new else 200


@api_bp.get("/process-definitions")
def list_process_definitions():
    page = load(PageSchema, request.args)
    items, total = service.list_definitions(g.user.tenant_id, "bpmn", page["limit"], page["offset"])
    return jsonify({"items": definition_schema.dump(items, many=True), "total": total})


@api_bp.get("/process-definitions/<key>")
def get_process_definition(key: str):
    definition = service.get_definition(g.user.tenant_id, key, version=request.args.get("version", type=int))
    body = definition_schema.dump(definition)
    body["versions"] = definition_schema.dump(service.versions_of(g.user.tenant_id, key), many=True)
    body["candidate_starter_groups"] = definition.meta.get("candidate_starter_groups", [])
    return jsonify(body)


@api_bp.get("/process-definitions/<key>/xml")
def get_process_definition_xml(key: str):
    definition = service.get_definition(g.user.tenant_id, key, version=request.args.get("version", type=int))
    return definition.resource.content, 200, {"Content-Type": "application/xml"}


@api_bp.post("/process-definitions/<key>/status")
def change_process_definition_status(key: str):
    data = load(StatusChangeSchema, json_body())
    definition = service.set_status(g.user.tenant_id, key, data["status"], data["version"], g.user)
    return jsonify(definition_schema.dump(definition))
