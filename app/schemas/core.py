"""Request and response shapes of the JSON API (loading a request with one: app/schemas/loading.py)."""

from __future__ import annotations

import json

from marshmallow import Schema, ValidationError, fields, post_load, validate

from app.schemas.dumping import dumper
from app.schemas.loading import JsonBoolean, Request, merge_alias

# Bounds that keep a number sent in a query string inside what the database's integers hold (SQLite
# raises OverflowError past 2**63): a 400 naming the field, never a 500.
MAX_OFFSET = 10**9
MAX_VERSION = 2**31 - 1


class PageSchema(Request):
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 500))
    offset = fields.Integer(load_default=0, validate=validate.Range(0, MAX_OFFSET))


class DefinitionSchema(Schema):
    id = fields.UUID()
    key = fields.String()
    version = fields.Integer()
    kind = fields.String()
    name = fields.String(allow_none=True)
    status = fields.String()
    deployment_id = fields.UUID()
    created_at = fields.DateTime()


class VersionQuerySchema(Request):
    version = fields.Integer(
        load_default=None,
        validate=validate.Range(1, MAX_VERSION),
        metadata={"description": "default: the latest"},
    )


_MAPPINGS = "element ids of the instance's version -> of the target (Camunda's migration instructions)"


def _mappings(**kwargs) -> fields.Dict:
    ids = validate.Length(1, 255)
    return fields.Dict(
        keys=fields.String(validate=ids), values=fields.String(validate=ids), load_default=dict, **kwargs
    )


class JsonMappings(fields.Field):
    """A query parameter holding a JSON object of element ids (`mappings={"Task_old":"Task_new"}`)."""

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            found = json.loads(value) if isinstance(value, str) else value
        except ValueError as exc:
            raise ValidationError(f"Not valid JSON: {exc}.") from exc
        return _mappings().deserialize(found)


class MigrationQuerySchema(VersionQuerySchema):
    mappings = JsonMappings(load_default=dict, metadata={"description": f"a JSON object: {_MAPPINGS}"})


class MigrationSchema(Request):
    version = fields.Integer(
        required=True,
        validate=validate.Range(1, MAX_VERSION),
        metadata={"description": "the deployed version of the instance's process to move it to"},
    )
    mappings = _mappings(metadata={"description": _MAPPINGS})
    update_event_triggers = fields.Boolean(
        load_default=False,
        metadata={"description": "count a waiting timer's due time again from the target's definition"},
    )


class StatusChangeSchema(Request):
    status = fields.String(required=True, validate=validate.OneOf(["published", "deprecated"]))
    version = fields.Integer(load_default=None, validate=validate.Range(1, MAX_VERSION))


class StartInstanceSchema(Request):
    variables = fields.Dict(keys=fields.String(), load_default=dict)
    business_key = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=255))
    business_key_camel = fields.String(
        data_key="businessKey",
        load_only=True,
        allow_none=True,
        validate=validate.Length(max=255),
        metadata={"description": "Camunda's name for business_key; send one of the two"},
    )

    @post_load
    def _alias(self, data: dict, **kwargs) -> dict:
        return merge_alias(data, "business_key_camel", "business_key")


class InstanceQuerySchema(PageSchema):
    key = fields.String(load_default=None, metadata={"description": "the process definition key"})
    definition_key = fields.String(metadata={"description": "the same as key, by the name /tasks gives it"})
    status = fields.String(
        load_default=None,
        validate=validate.OneOf(["running", "waiting", "completed", "failed", "suspended", "cancelled"]),
    )
    business_key = fields.String(load_default=None)
    outcome = fields.String(load_default=None)

    @post_load
    def _alias(self, data: dict, **kwargs) -> dict:
        return merge_alias(data, "definition_key", "key")


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
    parent_instance_id = fields.UUID(
        allow_none=True, metadata={"description": "a linked work order's master (GET /work-orders/{id})"}
    )
    created_at = fields.DateTime()
    ended_at = fields.DateTime(allow_none=True)


class HistoryQuerySchema(Request):
    limit = fields.Integer(
        load_default=None,
        validate=validate.Range(1, MAX_OFFSET),
        metadata={"description": "default: every entry"},
    )
    offset = fields.Integer(load_default=0, validate=validate.Range(0, MAX_OFFSET))


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
    offered_to_all = fields.Boolean()  # the model names no one: every user of the tenant may take it
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


class FormSchema(Schema):
    """A task's or a start event's form: GET /tasks/{id}/form, GET /process-definitions/{key}/start-form.

    `type` is generated, camunda-form, external or null (no form); a generated form lists its
    fields (id, label, type, default, values of an enum, validation), a Camunda Form gives its
    form-js schema; `values` are what the form opens with.
    """

    task_id = fields.UUID()
    key = fields.String(metadata={"description": "start form: the process's key"})
    form_key = fields.String(
        metadata={"description": "the form's key: an external form key, or where a Camunda Form is stored"}
    )
    definition_version = fields.Integer(metadata={"description": "start form: the process version"})
    version = fields.Integer(metadata={"description": "the form version a `version` binding names"})
    version_tag = fields.String()
    type = fields.String(allow_none=True)
    ref = fields.String()
    binding = fields.String()
    values = fields.Dict()
    form_schema = fields.Dict(allow_none=True, data_key="schema")
    form_fields = fields.List(fields.Dict(), data_key="fields")
    signature_role = fields.String(
        allow_none=True, metadata={"description": "a task's: the role its completion is signed as"}
    )
    reason_required = fields.Boolean(metadata={"description": "a task's: completing it needs a reason"})
    reason_to_reject = fields.Boolean(
        metadata={"description": "a task's: its form decides reject, which needs a reason"}
    )


class SignOffSchema(Request):
    """A signed task's sign-off: the decision, the signer's password, the role (optional). Its values
    are checked by the signing service, which says what a signature needs."""

    decision = fields.Raw(load_default=None, allow_none=True)
    password = fields.Raw(load_default=None, allow_none=True)
    role = fields.Raw(load_default=None, allow_none=True)


class CompleteTaskSchema(Request):
    variables = fields.Dict(keys=fields.String(), load_default=dict)
    signature = fields.Nested(SignOffSchema, load_default=None, allow_none=True)
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class DelegateTaskSchema(Request):
    to = fields.String(required=True, validate=validate.Length(min=1, max=150))


class MessageSchema(Request):
    name = fields.String(required=True, validate=validate.Length(min=1, max=255))
    business_key = fields.String(load_default=None, allow_none=True)
    correlation = fields.Dict(keys=fields.String(), load_default=None, allow_none=True)
    correlation_key = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))
    local_correlation = fields.Dict(keys=fields.String(), load_default=None, allow_none=True)
    variables = fields.Dict(keys=fields.String(), load_default=dict)
    all = JsonBoolean(load_default=False)


class SignalSchema(Request):
    name = fields.String(required=True, validate=validate.Length(min=1, max=255))
    variables = fields.Dict(keys=fields.String(), load_default=dict)


class EvaluateSchema(Request):
    variables = fields.Dict(keys=fields.String(), load_default=dict)
