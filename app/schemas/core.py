"""Request and response shapes of the JSON API."""

from __future__ import annotations

from functools import cache

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from app.errors import ValidationError as BatonValidationError
from app.schemas.dumping import dumper


class Request(Schema):
    class Meta:
        unknown = EXCLUDE


def load(schema: type[Schema], data) -> dict:
    """Validate request data with one `schema` instance; a failure is a 400 naming each bad field."""
    try:
        return _instance(schema).load(data if data is not None else {})
    except ValidationError as exc:
        fields_ = ", ".join(sorted(exc.messages)) if isinstance(exc.messages, dict) else ""
        raise BatonValidationError(f"invalid request: {fields_ or exc.messages}", {"fields": exc.messages})


@cache
def _instance(schema: type[Schema]) -> Schema:
    # Building a schema copies and binds every declared field: ~50 us, as much as the load itself.
    # A load keeps no state on the instance, so one per class serves every request and thread.
    return schema()


class PageSchema(Request):
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 500))
    offset = fields.Integer(load_default=0, validate=validate.Range(0))


class DefinitionSchema(Schema):
    id = fields.UUID()
    key = fields.String()
    version = fields.Integer()
    kind = fields.String()
    name = fields.String(allow_none=True)
    status = fields.String()
    deployment_id = fields.UUID()
    created_at = fields.DateTime()


class StatusChangeSchema(Request):
    status = fields.String(required=True, validate=validate.OneOf(["published", "deprecated"]))
    version = fields.Integer(load_default=None)


class StartInstanceSchema(Request):
    variables = fields.Dict(keys=fields.String(), load_default=dict)
    business_key = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=255))


class InstanceQuerySchema(PageSchema):
    key = fields.String(load_default=None)
    status = fields.String(
        load_default=None,
        validate=validate.OneOf(["running", "waiting", "completed", "failed", "suspended", "cancelled"]),
    )
    business_key = fields.String(load_default=None)
    outcome = fields.String(load_default=None)


class InstanceSchema(Schema):
    id = fields.UUID()
    status = fields.String()
    definition_key = fields.String()
    definition_version = fields.Integer()
    business_key = fields.String(allow_none=True)
    variables = fields.Dict()
    active_elements = fields.List(fields.String())
    outcome = fields.String(allow_none=True)
    started_by = fields.String(allow_none=True)
    created_at = fields.DateTime()
    ended_at = fields.DateTime(allow_none=True)


class HistoryEntrySchema(Schema):
    element_id = fields.String()
    name = fields.String(allow_none=True)
    type = fields.String(metadata={"description": "the BPMN element type: userTask, callActivity, ..."})
    state = fields.String()
    entered_at = fields.DateTime(allow_none=True)
    exited_at = fields.DateTime(allow_none=True)
    completed_by = fields.String(allow_none=True)


class TaskQuerySchema(PageSchema):
    assignee = fields.String(load_default=None)
    candidate_group = fields.String(load_default=None)
    candidate_user = fields.String(load_default=None)
    instance_id = fields.UUID(load_default=None)
    definition_key = fields.String(load_default=None)
    status = fields.String(load_default="open", validate=validate.OneOf(["open", "completed", "cancelled"]))


class TaskSchema(Schema):
    id = fields.UUID()
    instance_id = fields.UUID()
    definition_key = fields.String()
    element_id = fields.String()
    name = fields.String(allow_none=True)
    documentation = fields.String(allow_none=True)
    assignee = fields.String(allow_none=True)
    candidate_users = fields.List(fields.String())
    candidate_groups = fields.List(fields.String())
    priority = fields.Integer()
    due = fields.DateTime(allow_none=True)
    follow_up = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
    form = fields.Dict(allow_none=True)
    status = fields.String()
    completed_at = fields.DateTime(allow_none=True)
    completed_by = fields.String(allow_none=True)


# The shapes the start, complete and task-list responses are made of (see app/schemas/dumping.py).
dump_task = dumper(TaskSchema)
dump_instance = dumper(InstanceSchema)


def task_rows_json(rows) -> list[dict]:
    """What TaskSchema dumps, for the plain rows of a task list."""
    return [dump_task(row) for row in rows]


class CompleteTaskSchema(Request):
    variables = fields.Dict(keys=fields.String(), load_default=dict)
    signature = fields.Dict(keys=fields.String(), load_default=None, allow_none=True)
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class DelegateTaskSchema(Request):
    to = fields.String(required=True, validate=validate.Length(min=1, max=150))


class MessageSchema(Request):
    name = fields.String(required=True, validate=validate.Length(min=1, max=255))
    business_key = fields.String(load_default=None, allow_none=True)
    correlation = fields.Dict(keys=fields.String(), load_default=None, allow_none=True)
    variables = fields.Dict(keys=fields.String(), load_default=dict)
    all = fields.Boolean(load_default=False)


class EvaluateSchema(Request):
    variables = fields.Dict(keys=fields.String(), load_default=dict)
