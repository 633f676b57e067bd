"""Delegations, SLA reports and master/linked work orders."""

from __future__ import annotations

from uuid import UUID

from flask import g, jsonify, request

from app.api import api_bp, json_body
from app.schemas.brief import (
    DelegationCreateSchema,
    DelegationSchema,
    LinkOrdersSchema,
    LinkSchema,
    SlaEventSchema,
    SlaQuerySchema,
    SlaSummaryQuerySchema,
)
from app.schemas.loading import load
from app.services import delegation, sla, sla_reports, workorder_progress, workorders
from app.services.instances import read_instance

delegation_schema = DelegationSchema()


@api_bp.post("/delegations")
def create_delegation():
    data = load(DelegationCreateSchema, json_body())
    return jsonify(delegation_schema.dump(delegation.create_delegation(g.user, data))), 201


@api_bp.get("/delegations")
def list_delegations():
    items = delegation.list_delegations(g.user)
    return jsonify({"items": delegation_schema.dump(items, many=True), "total": len(items)})


@api_bp.delete("/delegations/<uuid:delegation_id>")
def revoke_delegation(delegation_id: UUID):
    return jsonify(delegation_schema.dump(delegation.revoke_delegation(g.user, delegation_id)))


@api_bp.get("/sla")
def sla_report():
    query = load(SlaQuerySchema, request.args)
    return jsonify(sla_reports.figures(sla_reports.user_scope(g.user, query["definition_key"])))


@api_bp.get("/sla/summary")
def sla_summary():
    query = load(SlaSummaryQuerySchema, request.args)
    items = sla_reports.summary_for(g.user.tenant_id, query["group_by"], query["definition_key"])
    return jsonify({"group_by": query["group_by"], "items": items, "total": len(items)})


@api_bp.get("/instances/<uuid:instance_id>/sla")
def instance_sla(instance_id: UUID):
    read_instance(g.user, instance_id)
    events = sla.events_of(g.user.tenant_id, instance_id)
    return jsonify({"events": SlaEventSchema().dump(events, many=True), **sla.clock_of(instance_id)})


@api_bp.post("/work-orders/<uuid:parent_id>/links")
def link_work_orders(parent_id: UUID):
    data = load(LinkOrdersSchema, json_body())
    links = workorders.link_orders(g.user, parent_id, data["orders"])  # (in the order sent)
    dumped = zip(LinkSchema().dump(links, many=True), data["orders"], strict=True)
    return jsonify({"items": [{**link, "ref": order["ref"]} for link, order in dumped]}), 201


@api_bp.get("/work-orders/<uuid:parent_id>")
def work_order_progress(parent_id: UUID):
    return jsonify(workorder_progress.progress(g.user, parent_id))
