"""Checking the values sent for a form, at every door: REST, the inbox, a start form.

A form declares its fields and their rules; `check_values` converts what was sent for each declared
field to the field's type and checks it, and returns the variables to store. Variables the form does
not declare pass through unchanged, as in Camunda's REST API.

What a field accepts: the JSON type of the field (a number for `long` and `double`, true/false for
`boolean`, text for `string`, `date` (YYYY-MM-DD) and `enum`), or text that reads as that type, as
the inbox's HTML form posts it and as Camunda converts a submitted form value ("0.7" for a double
is 0.7); a value of another type is refused ("yes" for a boolean, 0.5 for a long, 12 for a string).
The browser checks too, only as a courtesy.
"""

from __future__ import annotations

import math
import re
from datetime import date
from functools import partial

from app.errors import ValidationError
from app.services import camunda_form_values, form_rules
from app.services.form_refs import CAMUNDA_FORM, form_schema

GENERATED = "generated"


def check_values(tenant_id: str, form: dict | None, variables: dict, current: dict | None = None) -> dict:
    """`variables` with the form's fields converted; a ValidationError naming every bad field.

    `current` holds the variables the form was shown with (a read-only field keeps its value).
    A task or start event without a form costs nothing here: no lookup, no copy.
    """
    if not form or form.get("type") not in (GENERATED, CAMUNDA_FORM):
        return variables
    schema = form_schema(tenant_id, form)
    clean, errors = validate(form, variables, schema, current or {})
    if errors:
        listed = "; ".join(f"{name}: {message}" for name, message in errors.items())
        raise ValidationError(f"the form's values are not valid: {listed}", {"fields": errors})
    declared = declared_keys(form, schema)
    return {**{k: v for k, v in variables.items() if k not in declared}, **clean}


def validate(form: dict | None, values: dict, schema: dict | None = None, current: dict | None = None):
    """(clean values of the declared fields, errors by field id) for what was sent."""
    if form and form.get("type") == GENERATED:
        return _validate_generated(form.get("fields", []), values, current or {})
    if form and form.get("type") == CAMUNDA_FORM and schema:
        return camunda_form_values.validate(schema, values, current or {})
    return {}, {}


def declared_keys(form: dict | None, schema: dict | None) -> set[str]:
    """The variables a form sets (a Camunda Form's `a.b` key sets `a`)."""
    if form and form.get("type") == GENERATED:
        return {field["id"] for field in form.get("fields", [])}
    if form and form.get("type") == CAMUNDA_FORM and schema:
        return camunda_form_values.declared_keys(schema)
    return set()


def _validate_generated(fields: list[dict], values: dict, current: dict):
    return form_rules.collect(((f["id"],), partial(_field_value, f, values, current)) for f in fields)


def _field_value(field: dict, values: dict, current: dict):
    """The field's value to store (None: store nothing); raises ValueError with the message."""
    name, rules = field["id"], field.get("validation") or {}
    value = convert(field, values.get(name))
    if "readonly" in rules:
        # As in Camunda, a read-only field cannot be changed; sending its shown value back is fine.
        shown = current.get(name, convert(field, field.get("default")))
        if value is not None and value != shown:
            raise ValueError("This field is read-only.")
        return None
    if value is None and name not in values and current.get(name) is not None:
        # As Camunda 7's RequiredValidator: a field not sent whose variable holds a value keeps it
        # (the form showed it prefilled). An approval's decision is local to its task: never held.
        return None
    _check(field, rules, value)
    if value is None and name not in values:
        return convert(field, field.get("default"))  # Camunda sets a field's default when it is not sent
    return value


def convert(field: dict, raw):
    """`raw` as the field's type (None when empty); raises ValueError saying what to enter."""
    kind = field.get("type") or "string"
    if raw is None or (isinstance(raw, str) and raw.strip() == ""):
        return None
    converter = _CONVERTERS.get(kind)
    if converter is None:
        return raw  # a custom type Baton does not know: stored as sent (a deploy warning says so)
    return converter(field, raw)


def _string(field, raw):
    if not isinstance(raw, str):
        raise ValueError("Enter text.")
    return raw.strip()


def _long(field, raw):
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    if isinstance(raw, float) and raw.is_integer():
        return int(raw)
    if isinstance(raw, str) and re.fullmatch(r"[+-]?\d+", raw.strip()):
        return int(raw.strip())
    raise ValueError("Enter a whole number.")


def _double(field, raw):
    number = None
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        number = float(raw)
    elif isinstance(raw, str) and re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", raw.strip()):
        number = float(raw.strip())
    if number is None or not math.isfinite(number):
        raise ValueError("Enter a number, such as 0.7.")
    return number


def _boolean(field, raw):
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().lower() in ("true", "false"):
        return raw.strip().lower() == "true"
    raise ValueError("Choose true or false.")


def _date(field, raw):
    if isinstance(raw, str):
        try:
            return date.fromisoformat(raw.strip()).isoformat()
        except ValueError:
            pass
    raise ValueError("Enter a date as YYYY-MM-DD.")


def _enum(field, raw):
    allowed = [v["id"] for v in field.get("values", [])]
    text = str(raw).strip() if isinstance(raw, str | int) and not isinstance(raw, bool) else None
    if text not in allowed:
        raise ValueError(f"Choose one of: {', '.join(allowed)}.")
    return text


_CONVERTERS = {
    "string": _string,
    "long": _long,
    "double": _double,
    "boolean": _boolean,
    "date": _date,
    "enum": _enum,
}


def _check(field: dict, rules: dict, value) -> None:
    """Camunda's built-in constraints: required, minlength, maxlength, min, max; and pattern."""
    if value is None:
        if "required" in rules and rules["required"] not in (False, "false"):
            raise ValueError("This field is required.")
        return
    if isinstance(value, str) and field.get("type") not in _CONVERTERS.keys() - {"string"}:
        form_rules.bounds(len(value), rules.get("minlength"), rules.get("maxlength"), "{} characters")
        form_rules.matches(rules.get("pattern"), value, whole=True)
    if isinstance(value, int | float) and not isinstance(value, bool):
        form_rules.bounds(value, rules.get("min"), rules.get("max"), "{}")
