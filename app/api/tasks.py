"""User tasks."""

from __future__ import annotations

from uuid import UUID

from flask import g, jsonify, request

from app.api import api_bp, json_body
from app.schemas.core import (
    CompleteTaskSchema,
    DelegateTaskSchema,
    TaskQuerySchema,
    dump_task,
    task_rows_json,
)
from app.schemas.loading import load
from app.services import forms, task_assignment
from app.services import tasks as service


@api_bp.get("/tasks")
def list_tasks():
    """The tasks the caller may see, highest priority first; total exact up to 100 past the page."""
    q = load(TaskQuerySchema, request.args)
    rows, total = service.list_tasks(g.user, **q)
    capped = total > q["offset"] + q["limit"] + service.COUNT_CAP
    return jsonify({"items": task_rows_json(rows), "total": total, "total_is_lower_bound": capped})


@api_bp.get("/tasks/<uuid:task_id>")
def get_task(task_id: UUID):
    return jsonify(dump_task(service.get_task(g.user, task_id)))


@api_bp.get("/tasks/<uuid:task_id>/form")
def get_task_form(task_id: UUID):
    """The task's form (generated fields or Camunda Form schema) and the values to prefill."""
    return jsonify(forms.task_form(g.user, task_id))


@api_bp.post("/tasks/<uuid:task_id>/claim")
def claim_task(task_id: UUID):
    return jsonify(dump_task(task_assignment.claim_task(g.user, task_id)))


@api_bp.post("/tasks/<uuid:task_id>/unclaim")
def unclaim_task(task_id: UUID):
    return jsonify(dump_task(task_assignment.unclaim_task(g.user, task_id)))


@api_bp.post("/tasks/<uuid:task_id>/complete")
def complete_task(task_id: UUID):
    data = load(CompleteTaskSchema, json_body())
    done = service.complete_task(g.user, task_id, data["variables"], data["signature"], data["reason"])
    body = dump_task(done.task)
    body["instance"] = {"id": str(done.instance.id), "status": done.instance.status}
    body["next_tasks"] = [dump_task(task) for task in done.next_tasks]
    return jsonify(body)


@api_bp.post("/tasks/<uuid:task_id>/delegate")
def delegate_task(task_id: UUID):
    """Hand the task to another user of the tenant (its assignee or an admin may)."""
    data = load(DelegateTaskSchema, json_body())
    return jsonify(dump_task(task_assignment.delegate_task(g.user, task_id, data["to"])))
