"""A task's or a start event's form as the inbox and the API show it: the generated form's fields
or the Camunda Form's schema, and the values it opens with.

Checking what is sent back happens in the services that complete a task and start an instance
(app/services/form_values.py), so every door checks the same way.
"""

from __future__ import annotations

from app.errors import Forbidden
from app.models import User, UserTask
from app.models.tasks import OPEN
from app.services import camunda_form_values, duties, permissions
from app.services.form_refs import CAMUNDA_FORM, form_schema
from app.services.form_values import GENERATED, convert, declared_keys
from app.services.instances import get_instance, startable_definition, task_variables
from app.services.tasks import get_task
from app.services.visibility import may_work_on

__all__ = ["CAMUNDA_FORM", "GENERATED", "form_schema", "initial_values", "declared_values"]
_REFERENCE = ("type", "ref", "binding", "version", "version_tag", "key")


def _require_reader(user: User, task: UserTask) -> UserTask:
    """Only who may work a task reads its form with values (as the inbox shows no form to others):
    a colleague's open task is a 403 naming its holder, one four eyes keep from the user a 403 saying why."""
    if task.status != OPEN:  # a record now: read by whoever sees the task
        return task
    if not may_work_on(user, task):
        raise Forbidden(
            f"task {task.id} is claimed by {task.assignee}; only they or an admin may open its form",
            {"assignee": task.assignee},
        )
    instance, element = duties.element_of(task)
    duties.require_separate(user, instance, task, element, "open the form of", audited=False)  # a read
    return task


def task_form(user: User, task_id) -> dict:
    """The form of a task the user may work on, with the instance's current values to prefill."""
    from app.services.signatures import requirements_for  # (it reads forms: imported when called)

    task = _require_reader(user, get_task(user, task_id))
    instance = get_instance(user.tenant_id, task.instance_id)
    described = describe(user.tenant_id, task.form, task_variables(instance, task.id))
    return {"task_id": str(task.id), **described, **requirements_for(task)}  # (what completing asks)


def start_form(user: User, key: str) -> dict:
    """The start form of the latest published version of `key`, for a user who may start it."""
    definition = startable_definition(user.tenant_id, key)
    permissions.require_starter(user, definition)
    form = (definition.meta or {}).get("start_form")
    described = describe(user.tenant_id, form, {})
    return {"key": definition.key, "definition_version": definition.version, **described}


def describe(tenant_id: str, form: dict | None, variables: dict) -> dict:
    """The form as a client renders it: reference, fields or schema, and values to prefill."""
    if not form:
        return {"type": None, "values": {}}
    body = {name: form[name] for name in _REFERENCE if name in form}
    if "key" in body:  # the form's own key: a start form's `key` is its process's
        body["form_key"] = body.pop("key")
    if str(body.get("version", "")).isdigit():  # camunda:formRefVersion is read as text from the XML
        body["version"] = int(body["version"])
    schema = form_schema(tenant_id, form)
    if form.get("type") == GENERATED:
        body["fields"] = [_field(field) for field in form.get("fields", [])]
    elif form.get("type") == CAMUNDA_FORM:
        body["schema"] = schema
    body["values"] = prefill(form, schema, variables)
    return body


def _field(field: dict) -> dict:
    out = {**field, "default": _typed_default(field)}
    if field.get("validation"):
        # (definitions deployed before constraints were read as flags hold null for "required")
        out["validation"] = {k: True if v is None else v for k, v in field["validation"].items()}
    return out


def _typed_default(field: dict):
    try:
        return convert(field, field.get("default"))
    except ValueError:
        return field.get("default")


def prefill(form: dict | None, schema: dict | None, variables: dict) -> dict:
    """The form's values as JSON: the instance's variable of each field's name, else its default.

    As in Camunda, a field shows the variable of its name. A model where several people answer the
    same question in turn (an approval chain) keeps each answer local to its task (an input
    mapping), so the next person starts from an empty field: see bpmn/purchase_order_approval.bpmn.
    """
    if not form:
        return {}
    if form.get("type") == GENERATED:
        return {
            f["id"]: variables[f["id"]] if f["id"] in variables else _typed_default(f) for f in form["fields"]
        }
    return {key: variables[key] for key in declared_keys(form, schema) if key in variables}


def initial_values(form: dict | None, variables: dict) -> dict:
    """What the inbox's generated form shows first: the instance's current value, else the default."""
    if not form or form.get("type") != GENERATED:
        return {}
    values = {}
    for field in form.get("fields", []):
        value = variables.get(field["id"], field.get("default"))
        values[field["id"]] = "" if value is None else value
    return values


def declared_values(form: dict | None, schema: dict | None, submitted: dict) -> dict:
    """Of what a browser posted, the form's fields only (not the CSRF token, not the sign-off)."""
    declared = declared_keys(form, schema)
    if form and form.get("type") == GENERATED:
        readonly = {f["id"] for f in form["fields"] if "readonly" in (f.get("validation") or {})}
        declared -= readonly  # shown disabled: the browser's value is not the user's
    return {key: value for key, value in submitted.items() if key in declared}


def offers_reject(tenant_id: str, form: dict | None) -> bool:
    """Whether the form's field `decision` offers "reject", which needs a reason (the task page
    then asks for one): a generated form's enum, or a Camunda Form's select or radio."""
    if not form:
        return False
    if form.get("type") == CAMUNDA_FORM:
        schema = form_schema(tenant_id, form) or {}
        found = [c for path, c, _ in camunda_form_values.fields(schema) if path == ("decision",)]
        return any(o.get("value") == "reject" for c in found for o in _options(c, "values"))
    found = [f for f in form.get("fields") or [] if isinstance(f, dict) and f.get("id") == "decision"]
    return any(o.get("id") == "reject" for f in found for o in _options(f, "values"))


def _options(field: dict, key: str) -> list[dict]:
    options = field.get(key)
    return [o for o in options if isinstance(o, dict)] if isinstance(options, list) else []
