"""Decision definitions (DMN), as Camunda 7's /decision-definition, and evaluating decisions directly."""

from __future__ import annotations

from flask import g, jsonify, request

from app.api import api_bp, json_body
from app.schemas.core import EvaluateSchema, PageSchema, StatusChangeSchema, VersionQuerySchema
from app.schemas.decisions import DecisionDefinitionSchema
from app.schemas.loading import load
from app.services import definitions as service
from app.services.decisions import evaluate_decision

DMN = "dmn"
decision_schema = DecisionDefinitionSchema()


@api_bp.get("/decision-definitions")
def list_decision_definitions():
    page = load(PageSchema, request.args)
    items, total = service.list_definitions(g.user.tenant_id, DMN, page["limit"], page["offset"])
    return jsonify({"items": decision_schema.dump(items, many=True), "total": total})


@api_bp.get("/decision-definitions/<key>")
def get_decision_definition(key: str):
    version = load(VersionQuerySchema, request.args)["version"]
    definition = service.get_definition(g.user.tenant_id, key, DMN, version)
    body = decision_schema.dump(definition)
    body["versions"] = decision_schema.dump(service.versions_of(g.user.tenant_id, key, DMN), many=True)
    return jsonify(body)


@api_bp.get("/decision-definitions/<key>/xml")
def get_decision_definition_xml(key: str):
    version = load(VersionQuerySchema, request.args)["version"]
    definition = service.get_definition(g.user.tenant_id, key, DMN, version)
    return definition.resource.content, 200, {"Content-Type": "application/xml"}


@api_bp.post("/decision-definitions/<key>/status")
def change_decision_definition_status(key: str):
    data = load(StatusChangeSchema, json_body())
    definition = service.set_status(g.user.tenant_id, key, data["status"], data["version"], g.user, DMN)
    return jsonify(decision_schema.dump(definition))


@api_bp.post("/decisions/<key>/evaluate")
def evaluate(key: str):
    version = load(VersionQuerySchema, request.args)["version"]
    data = load(EvaluateSchema, json_body())
    return jsonify({"result": evaluate_decision(g.user, key, data["variables"], version)})
