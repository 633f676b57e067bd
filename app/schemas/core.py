"""Request and response shapes of the JSON API."""

from __future__ import annotations

import difflib
import json
from datetime import UTC, datetime
from functools import cache

from marshmallow import RAISE, Schema, ValidationError, fields, post_load, validate
from werkzeug.datastructures import MultiDict

from app.errors import ValidationError as BatonValidationError
from app.schemas.dumping import dumper


class Request(Schema):
    """A request's fields. Any other field is refused: a misspelt one must not be dropped unseen."""

    class Meta:
        unknown = RAISE


def load(schema: type[Schema], data, *, source: str | None = None) -> dict:
    """Validate request data with one `schema` instance; a failure is a 400 naming each bad field,
    and an unknown one with the field it most looks like."""
    source = source or ("query parameter" if isinstance(data, MultiDict) else "field")
    if data is not None and not isinstance(data, dict):  # ([] or "x": marshmallow says "_schema")
        raise BatonValidationError("the request body must be a JSON object", {"field": "body"})
    if isinstance(data, MultiDict) and source == "query parameter":
        _refuse_repeated(data)
    try:
        return _instance(schema).load(data if data is not None else {})
    except ValidationError as exc:
        messages = exc.messages
        if not isinstance(messages, dict):
            raise BatonValidationError(f"invalid request: {messages}", {"fields": messages})
        known = _instance(schema).load_fields
        names = [_named(name, messages, known, source) for name in sorted(messages, key=str)]
        raise BatonValidationError(f"invalid request: {', '.join(names)}", {"fields": messages})


def _refuse_repeated(args: MultiDict) -> None:
    # A query string may name a parameter twice (?status=running&status=failed); every field here
    # takes one value, and reading only the first would answer a question the client did not ask.
    repeated = {name: len(values) for name, values in args.lists() if len(values) > 1}
    if repeated:
        said = ", ".join(f"'{name}' is given {count} times" for name, count in repeated.items())
        fields_ = {name: ["Given more than once; this parameter takes one value."] for name in repeated}
        raise BatonValidationError(
            f"invalid request: query parameter {said}; give each once", {"fields": fields_}
        )


def _named(name, messages: dict, known: dict, source: str) -> str:
    """How the error message names one bad field; an unknown one gets its likely meaning."""
    if name in known or messages[name] != ["Unknown field."]:
        return str(name)
    keys = [field.data_key or key for key, field in known.items()]
    meant = difflib.get_close_matches(str(name), keys, n=1, cutoff=0.6)
    hint = f" (did you mean '{meant[0]}'?)" if meant else f"; known: {', '.join(sorted(keys))}"
    messages[name] = [f"Unknown {source}{hint}."]
    return f"unknown {source} '{name}'{hint}"


class JsonBoolean(fields.Boolean):
    """A JSON body's boolean: true or false only. (marshmallow's Boolean also takes "no", "on", 1,
    which a form or a query string needs but a JSON client never means.)"""

    default_error_messages = {"invalid": "Must be true or false."}

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


def merge_alias(data: dict, alias: str, name: str) -> dict:
    """Fold the value given under `alias` (another client's name for a field) into `name`."""
    if alias in data:
        value = data.pop(alias)
        if data.get(name) is not None and data[name] != value:
            raise ValidationError(f"give {name} or its alias, not both", name)
        data[name] = value
    return data


def require_ordered(data: dict, start: str, end: str) -> dict:
    """A range whose `start` is later than its `end` holds nothing: a 400 naming both, not an empty
    page the client would take for "nothing happened then". A bound without a zone is UTC."""
    low, high = data.get(start), data.get(end)
    if low is None or high is None or _utc(low) <= _utc(high):
        return data
    said = f"{start} ({low.isoformat()}) is later than {end} ({high.isoformat()})"
    why = f"{start} must not be later than {end}."
    raise BatonValidationError(f"invalid request: {said}", {"fields": {start: [why], end: [why]}})


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@cache
def _instance(schema: type[Schema]) -> Schema:
    # Building a schema copies and binds every declared field: ~50 us, as much as the load itself.
    # A load keeps no state on the instance, so one per class serves every request and thread.
    return schema()


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
    correlation_key = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))
    variables = fields.Dict(keys=fields.String(), load_default=dict)
    all = JsonBoolean(load_default=False)


class SignalSchema(Request):
    name = fields.String(required=True, validate=validate.Length(min=1, max=255))
    variables = fields.Dict(keys=fields.String(), load_default=dict)


class EvaluateSchema(Request):
    variables = fields.Dict(keys=fields.String(), load_default=dict)
