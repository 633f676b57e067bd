"""Incidents: list, retry, resolve."""

from __future__ import annotations

from uuid import UUID

from flask import g, jsonify, request

from app.api import api_bp, json_body
from app.schemas.core import EvaluateSchema
from app.schemas.incidents import IncidentQuerySchema, IncidentSchema
from app.schemas.loading import load
from app.services import incidents as service

incident_schema = IncidentSchema()


@api_bp.get("/incidents")
def list_incidents():
    q = load(IncidentQuerySchema, request.args)
    items, total = service.list_incidents(
        g.user.tenant_id, q["instance_id"], q["status"], q["limit"], q["offset"]
    )
    return jsonify({"items": incident_schema.dump(items, many=True), "total": total})


@api_bp.post("/incidents/<uuid:incident_id>/retry")
def retry_incident(incident_id: UUID):
    data = load(EvaluateSchema, json_body())  # {variables}: corrections for the retry
    return jsonify(incident_schema.dump(service.retry_incident(g.user, incident_id, data["variables"])))


@api_bp.post("/incidents/<uuid:incident_id>/resolve")
def resolve_incident(incident_id: UUID):
    return jsonify(incident_schema.dump(service.resolve_incident(g.user, incident_id)))
