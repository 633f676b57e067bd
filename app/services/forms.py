"""User task forms: finding a task's form and checking submitted values against it on the server.

The browser validates too, but only as a courtesy: whatever reaches complete_task went through
validate_form_submission, so a hand-crafted POST cannot skip a required field or a bound.
"""

from __future__ import annotations

from datetime import date

from app.models.definitions import PUBLISHED
from app.services.deployments import latest_definition

GENERATED, CAMUNDA_FORM = "generated", "camunda-form"
_TRUE = {"on", "true", "1", "yes"}


def form_schema(tenant_id: str, form: dict | None) -> dict | None:
    """The form-js schema of a Camunda Form reference (latest published version), or None."""
    if not form or form.get("type") != CAMUNDA_FORM:
        return None
    definition = latest_definition(tenant_id, "form", form.get("ref") or "", statuses=(PUBLISHED,))
    return (definition.meta or {}).get("schema") if definition else None


def initial_values(form: dict | None, variables: dict) -> dict:
    """What a generated form shows first: the instance's current value, else the field's default."""
    if not form or form.get("type") != GENERATED:
        return {}
    values = {}
    for field in form.get("fields", []):
        value = variables.get(field["id"], field.get("default"))
        values[field["id"]] = "" if value is None else value
    return values


def validate_form_submission(form: dict | None, values: dict, schema: dict | None = None):
    """Convert and check submitted values; returns (clean_values, errors by field id).

    `values` holds what the browser sent: strings for a generated form, JSON values for a
    Camunda Form (whose form-js `schema` must then be given).
    """
    if not form:
        return {}, {}
    if form.get("type") == GENERATED:
        return _validate_generated(form.get("fields", []), values)
    if form.get("type") == CAMUNDA_FORM and schema:
        return _validate_camunda(schema, values)
    return {}, {}


def _validate_generated(fields: list[dict], values: dict):
    clean, errors = {}, {}
    for field in fields:
        rules = field.get("validation") or {}
        if "readonly" in rules:
            continue  # a read-only field shows a value; the browser may not change it
        try:
            value = _convert(field, values.get(field["id"]))
            _check(field, rules, value)
        except ValueError as exc:
            errors[field["id"]] = str(exc)
            continue
        if value is not None:
            clean[field["id"]] = value
    return clean, errors


def _convert(field: dict, raw):
    kind = field.get("type") or "string"
    if kind == "boolean":
        return str(raw).lower() in _TRUE if raw is not None else False
    text = "" if raw is None else str(raw).strip()
    if text == "":
        return None
    if kind == "long":
        try:
            return int(text)
        except ValueError:
            raise ValueError("Enter a whole number.")
    if kind == "date":
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError:
            raise ValueError("Enter a date as YYYY-MM-DD.")
    if kind == "enum":
        allowed = [v["id"] for v in field.get("values", [])]
        if text not in allowed:
            raise ValueError(f"Choose one of: {', '.join(allowed)}.")
    return text


def _check(field: dict, rules: dict, value) -> None:
    if value is None or value == "":
        if "required" in rules:
            raise ValueError("This field is required.")
        return
    if isinstance(value, str) and field.get("type") in (None, "string"):
        _bounds(
            len(value),
            rules.get("minlength"),
            rules.get("maxlength"),
            "at least {} characters",
            "at most {} characters",
        )
    if isinstance(value, int) and not isinstance(value, bool):
        _bounds(value, rules.get("min"), rules.get("max"), "at least {}", "at most {}")


def _bounds(measure, low, high, low_text: str, high_text: str) -> None:
    if low not in (None, "") and measure < float(low):
        raise ValueError("Must be " + low_text.format(low) + ".")
    if high not in (None, "") and measure > float(high):
        raise ValueError("Must be " + high_text.format(high) + ".")


def _components(schema: dict):
    for component in schema.get("components", []):
        yield component
        yield from _components(component)


def _validate_camunda(schema: dict, values: dict):
    """The form-js rules that matter for data: required, length and number bounds, known keys only."""
    clean, errors = {}, {}
    for component in _components(schema):
        key = component.get("key")
        if not key or component.get("disabled") or component.get("readonly") is True:
            continue
        rules = component.get("validate") or {}
        value = values.get(key)
        try:
            _check_camunda(component.get("type"), rules, value)
        except ValueError as exc:
            errors[key] = str(exc)
            continue
        if value is not None:
            clean[key] = value
    return clean, errors


def _check_camunda(kind: str | None, rules: dict, value) -> None:
    if value in (None, "", []):
        if rules.get("required"):
            raise ValueError("This field is required.")
        return
    if kind == "number":
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise ValueError("Enter a number.")
        _bounds(value, rules.get("min"), rules.get("max"), "at least {}", "at most {}")
    elif isinstance(value, str):
        _bounds(
            len(value),
            rules.get("minLength"),
            rules.get("maxLength"),
            "at least {} characters",
            "at most {} characters",
        )
