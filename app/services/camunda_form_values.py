"""Checking values against a Camunda Form (a form-js schema), by the rules form-js applies in the
browser (its Validator): required (a required checkbox must be ticked), minLength/maxLength (of the
trimmed text), min/max, pattern (searched for, as JavaScript's RegExp.test does), validationType
email/phone, decimalDigits of number fields; plus what form-js guarantees by its widgets: a number
field holds a number, a checkbox true/false, a select or radio one of its static values, a checklist
or taglist a list of them, a date picker a date.

Fields hidden by their condition (`conditional.hide`, FEEL) and disabled or read-only fields take
no value, as in form-js: what is sent for them is dropped.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime, time
from functools import partial
from typing import Any

from app.services import form_rules

# Components that show or arrange, never hold a value (an old form's button has a key too).
_NOT_INPUTS = {
    "button",
    "text",
    "html",
    "image",
    "spacer",
    "separator",
    "group",
    "iframe",
    "table",
    "default",
}
# The WHATWG e-mail pattern form-js uses; a phone number is international (+ or 00, then digits).
_EMAIL = re.compile(
    r"^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?"
    r"(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$"
)
_PHONE = re.compile(r"^(\+|00)[1-9]\d{5,20}$")


def fields(schema: dict, context: dict | None = None):
    """(path, component, hidden) of every component that holds a value; `hidden` says whether its
    condition hides it in `context` (never, without a context)."""
    yield from _walk(schema.get("components", []), (), False, context)


def _walk(components, prefix: tuple, hidden: bool, context):
    for component in components:
        if not isinstance(component, dict):
            continue
        hides = hidden or (
            context is not None and _feel_true(component.get("conditional", {}).get("hide"), context)
        )
        kind = component.get("type")
        if kind == "dynamiclist" and component.get("path"):
            yield (*prefix, *component["path"].split(".")), component, hides
            continue  # its rows are a list of objects: taken as sent
        if component.get("key") and kind not in _NOT_INPUTS:
            yield (*prefix, *str(component["key"]).split(".")), component, hides
        inner = (
            (*prefix, *component["path"].split(".")) if kind == "group" and component.get("path") else prefix
        )
        yield from _walk(component.get("components") or [], inner, hides, context)


def declared_keys(schema: dict) -> set[str]:
    return {path[0] for path, _, _ in fields(schema)}


def validate(schema: dict, values: dict, current: dict):
    """(clean values by top-level key, errors by field key) for what was sent; a field not sent is
    checked with the value its variable holds (the form showed it), as generated forms are."""
    context = {**current, **values}
    return form_rules.collect(
        (path, partial(_check, component, _sent_or_held(values, current, path), context))
        for path, component, hidden in fields(schema, context)
        if not (hidden or component.get("disabled") is True or _feel_true(component.get("readonly"), context))
    )


def _check(component: dict, value, context: dict):
    """The value to store (a number sent as text becomes a number); raises ValueError."""
    kind, rules = component.get("type"), component.get("validate") or {}
    value = _typed(component, kind, value)
    if value is None or value == "" or value == [] or (kind == "checkbox" and value is False):
        if rules.get("required") is True:
            raise ValueError("This field is required.")
        return value
    if isinstance(value, str):
        text = value.strip()
        form_rules.bounds(
            len(text),
            _bound(rules, "minLength", context),
            _bound(rules, "maxLength", context),
            "{} characters",
        )
        form_rules.matches(rules.get("pattern"), value)
        if rules.get("validationType") == "email" and not _EMAIL.match(value):
            raise ValueError("Enter an e-mail address.")
        if rules.get("validationType") == "phone" and not _PHONE.match(value):
            raise ValueError("Enter an international phone number, such as +4930664040900.")
    if kind == "number":
        _number_rules(component, float(value), rules, context)
    return value


def _typed(component: dict, kind, value):
    if value is None:
        return None
    if kind == "number":
        return _number(component, value)
    if kind == "checkbox" and not isinstance(value, bool):
        raise ValueError("Choose true or false.")
    if kind in ("textfield", "textarea") and not isinstance(value, str):
        raise ValueError("Enter text.")
    if kind in ("radio", "select"):
        _one_of(component, value)
    if kind in ("checklist", "taglist"):
        if not isinstance(value, list):
            raise ValueError("Send a list of the chosen values.")
        for item in value:
            _one_of(component, item)
    if kind == "datetime":
        _moment(component.get("subtype") or "date", value)
    return value


def _number(component: dict, value):
    if isinstance(value, str) and value.strip() == "":
        return None
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return str(value) if component.get("serializeToString") else value
    if isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            number = math.nan
        if math.isfinite(number):
            # form-js sends text when the field says serializeToString (big decimals); else a number.
            return value.strip() if component.get("serializeToString") else _plain(number)
    raise ValueError("Enter a number.")


def _plain(number: float):
    return int(number) if number.is_integer() and abs(number) < 2**53 else number


def _number_rules(component: dict, number: float, rules: dict, context: dict) -> None:
    form_rules.bounds(number, _bound(rules, "min", context), _bound(rules, "max", context), "{}")
    digits = component.get("decimalDigits")
    if isinstance(digits, int) and digits >= 0:
        decimals = repr(number).split(".")[1] if "." in repr(number) and "e" not in repr(number) else ""
        if len(decimals.rstrip("0")) > digits:
            raise ValueError(
                "Enter a whole number." if digits == 0 else f"Use at most {digits} decimal digits."
            )


def _one_of(component: dict, value) -> None:
    options = component.get("values")
    if not isinstance(options, list) or component.get("valuesKey") or component.get("valuesExpression"):
        return  # options that come from variables or an expression: not known here
    allowed = [o.get("value") for o in options if isinstance(o, dict)]
    if value not in allowed:
        raise ValueError(f"Choose one of: {', '.join(str(a) for a in allowed)}.")


def _moment(subtype: str, value) -> None:
    parse = {"date": date.fromisoformat, "time": time.fromisoformat, "datetime": datetime.fromisoformat}
    try:
        if not isinstance(value, str):
            raise ValueError
        parse.get(subtype, datetime.fromisoformat)(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError({"time": "Enter a time as HH:MM."}.get(subtype, "Enter a date as YYYY-MM-DD."))


def _bound(rules: dict, name: str, context: dict):
    """A bound as written, or the value of its FEEL expression (`=max_amount`)."""
    value = rules.get(name)
    if isinstance(value, str) and value.startswith("="):
        return _feel(value, context)
    return value


def _feel_true(expression, context: dict) -> bool:
    if expression is True:
        return True
    return isinstance(expression, str) and expression.startswith("=") and _feel(expression, context) is True


def _feel(expression: str, context: dict):
    """form-js evaluates conditions and bounds in FEEL against the form's data; one that fails is
    false (form-js shows the field), never a 500."""
    from app.engine import expressions

    try:
        return expressions.evaluate(expression, context)
    except Exception:  # any failure of a modeller's expression means "no answer"
        return None


def _sent_or_held(values: dict, current: dict, path: tuple):
    node = values
    for name in path:
        if not isinstance(node, dict) or name not in node:
            return _get(current, path)
        node = node[name]
    return node


def _get(values: dict, path: tuple):
    node: Any = values
    for name in path:
        if not isinstance(node, dict):
            return None
        node = node.get(name)
    return node
