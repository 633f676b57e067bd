"""Process instances."""

from __future__ import annotations

from uuid import UUID

from flask import g, jsonify, request

from app.api import api_bp, json_body
from app.schemas.core import (
    HistoryEntrySchema,
    HistoryQuerySchema,
    InstanceQuerySchema,
    MigrationQuerySchema,
    MigrationSchema,
    StartInstanceSchema,
    dump_instance,
    dump_task,
)
from app.schemas.loading import load
from app.schemas.security import ReasonSchema
from app.services import forms, instance_control, migration
from app.services import instances as service
from app.services.instance_history import read_history
from app.services.tasks import tasks_of_instance


def _instance_body(instance) -> dict:
    body = dump_instance(instance)
    body["tasks"] = [dump_task(task) for task in tasks_of_instance(g.user, instance)]
    return body


@api_bp.post("/process-definitions/<key>/instances")
def start_instance(key: str):
    data = load(StartInstanceSchema, json_body())
    instance, created = service.start_instance(
        key, g.user, data["variables"], data["business_key"], request.headers.get("Idempotency-Key")
    )
    return jsonify(_instance_body(instance)), 201 if created else 200


@api_bp.get("/process-definitions/<key>/start-form")
def get_start_form(key: str):
    """The start form of the latest published version (fields or schema) and its defaults."""
    return jsonify(forms.start_form(g.user, key))


@api_bp.get("/instances")
def list_instances():
    q = load(InstanceQuerySchema, request.args)
    items, total = service.list_instances(
        g.user, q["key"], q["status"], q["business_key"], q["limit"], q["offset"], q["outcome"]
    )
    return jsonify({"items": [dump_instance(item) for item in items], "total": total})


@api_bp.get("/instances/<uuid:instance_id>")
def get_instance(instance_id: UUID):
    return jsonify(_instance_body(service.read_instance(g.user, instance_id)))


@api_bp.get("/instances/<uuid:instance_id>/history")
def instance_history(instance_id: UUID):
    q = load(HistoryQuerySchema, request.args)
    entries, total = read_history(g.user, instance_id, q["limit"], q["offset"])
    return jsonify({"items": HistoryEntrySchema().dump(entries, many=True), "total": total})


@api_bp.post("/instances/<uuid:instance_id>/suspend")
def suspend_instance(instance_id: UUID):
    return jsonify(dump_instance(instance_control.suspend_instance(g.user.tenant_id, instance_id, g.user)))


@api_bp.post("/instances/<uuid:instance_id>/resume")
def resume_instance(instance_id: UUID):
    return jsonify(dump_instance(instance_control.resume_instance(g.user.tenant_id, instance_id, g.user)))


@api_bp.post("/instances/<uuid:instance_id>/cancel")
def cancel_instance(instance_id: UUID):
    reason = load(ReasonSchema, json_body())["reason"]
    instance = instance_control.cancel_instance(g.user.tenant_id, instance_id, g.user, reason)
    return jsonify(dump_instance(instance))


@api_bp.get("/instances/<uuid:instance_id>/migration")
def preview_migration(instance_id: UUID):
    """A dry run: each element holding a token, kept, moved, changed or removed, and the problems."""
    q = load(MigrationQuerySchema, request.args)
    return jsonify(migration.preview_migration(g.user, instance_id, q["version"], q["mappings"]))


@api_bp.post("/instances/<uuid:instance_id>/migration")
def migrate_instance(instance_id: UUID):
    data = load(MigrationSchema, json_body())
    moved = migration.migrate_instance(
        g.user, instance_id, data["version"], data["mappings"], data["update_event_triggers"]
    )
    return jsonify(moved)
