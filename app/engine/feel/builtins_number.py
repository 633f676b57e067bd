"""FEEL built-in numeric, boolean, context and conversion-to-text functions (DMN 1.5, 10.3.4)."""

from __future__ import annotations

import datetime as dt
from decimal import (
    ROUND_CEILING,
    ROUND_DOWN,
    ROUND_FLOOR,
    ROUND_HALF_DOWN,
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    ROUND_UP,
    Decimal,
)
from typing import Any

from app.engine.feel import ops
from app.engine.feel.builtins_text import need
from app.engine.feel.convert import to_json_value
from app.engine.feel.values import Range, YearsMonthsDuration, duration_isoformat


def _rounder(mode: str, default_scale: bool = False):
    def round_to(number: Any, scale: Any = Decimal(0) if default_scale else None) -> Decimal:
        places = int(need(scale, Decimal))
        if not -6111 <= places <= 6176:
            raise ValueError("scale out of range")
        quantum = Decimal(1).scaleb(-places)
        return need(number, Decimal).quantize(quantum, rounding=mode, context=ops.DECIMAL)

    return round_to


def _abs(value: Any) -> Any:
    if type(value) is YearsMonthsDuration:
        return YearsMonthsDuration(abs(value.months))
    return abs(need(value, Decimal, dt.timedelta))


def _modulo(dividend: Any, divisor: Any) -> Decimal | None:
    a, b = need(dividend, Decimal), need(divisor, Decimal)
    if not b:
        return None
    return a - b * (a / b).to_integral_value(rounding=ROUND_FLOOR)


def _integer(value: Any) -> int:
    number = need(value, Decimal)
    if number != number.to_integral_value():
        raise ValueError("not an integer")
    return int(number)


def _number(text: Any, grouping: Any = None, decimal: Any = None) -> Decimal | None:
    source = need(text, str)
    if grouping is not None:
        if need(grouping, str) not in (" ", ",", ".") or grouping == decimal:
            return None
        source = source.replace(grouping, "")
    if decimal is not None:
        if need(decimal, str) not in (",", "."):
            return None
        source = source.replace(decimal, ".")
    number = Decimal(source.strip())
    return None if not number.is_finite() else number


def format_number(value: Decimal) -> str:
    if value == value.to_integral_value() and abs(value.adjusted()) < 40:
        return str(int(value))
    return format(value.normalize(), "f")


def feel_string(value: Any) -> str | None:
    """string(from): the text of a value, as FEEL prints it; null stays null."""
    return None if value is None else feel_text(value)


def feel_text(value: Any) -> str:
    """The text FEEL prints for a value other than null."""
    if type(value) is str:
        return value
    if type(value) is Decimal:
        return format_number(value)
    if type(value) is bool:
        return "true" if value else "false"
    if type(value) is dt.timedelta:
        return duration_isoformat(value)
    if type(value) is YearsMonthsDuration:
        return value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return to_json_value(value)
    if type(value) is Range:
        left = "[" if value.start_included else "("
        right = "]" if value.end_included else ")"
        return f"{left}{feel_string(value.start)}..{feel_string(value.end)}{right}"
    if type(value) is list:
        return "[" + ", ".join(_literal(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}: {_literal(item)}" for key, item in value.items()) + "}"
    return str(value)


def _literal(value: Any) -> str:
    if type(value) is str:
        return '"' + value.replace('"', '\\"') + '"'
    return "null" if value is None else feel_text(value)


def _get_entries(context: Any) -> list[dict]:
    return [{"key": key, "value": value} for key, value in need(context, dict).items()]


def _context(entries: Any) -> dict:
    result: dict = {}
    for entry in need(entries, list):
        key = need(need(entry, dict)["key"], str)
        if key in result:
            raise ValueError("duplicate key")
        result[key] = entry.get("value")
    return result


def _get_value(context: Any, keys: Any) -> Any:
    """get value(m, key), and Camunda's get value(context, keys): the value at a path of keys."""
    value = need(context, dict)
    for key in [keys] if type(keys) is str else need(keys, list):
        if type(value) is not dict:
            return None
        value = value.get(need(key, str))
    return value


def _context_put(context: Any, keys: Any, value: Any) -> dict:
    path = [keys] if type(keys) is str else need(keys, list)
    if not path:
        raise ValueError("empty key path")
    result = dict(need(context, dict))
    head = need(path[0], str)
    result[head] = value if len(path) == 1 else _context_put(result.get(head), path[1:], value)
    return result


def _context_merge(contexts: Any) -> dict:
    result: dict = {}
    for context in need(contexts, list):
        result.update(need(context, dict))
    return result


def _log(value: Any) -> Decimal | None:
    number = need(value, Decimal)
    return ops.DECIMAL.ln(number) if number > 0 else None


def _sqrt(value: Any) -> Decimal | None:
    number = need(value, Decimal)
    return ops.DECIMAL.sqrt(number) if number >= 0 else None


def _not(value: Any) -> bool | None:
    truth = ops.truth(value)
    return None if truth is None else not truth


NUMBER_FUNCTIONS = {
    "decimal": ((("n", "scale"),), _rounder(ROUND_HALF_EVEN)),
    "floor": ((("n", "scale?"),), _rounder(ROUND_FLOOR, True)),
    "ceiling": ((("n", "scale?"),), _rounder(ROUND_CEILING, True)),
    "round up": ((("n", "scale"),), _rounder(ROUND_UP)),
    "round down": ((("n", "scale"),), _rounder(ROUND_DOWN)),
    "round half up": ((("n", "scale"),), _rounder(ROUND_HALF_UP)),
    "round half down": ((("n", "scale"),), _rounder(ROUND_HALF_DOWN)),
    "abs": ((("n",),), _abs),
    "modulo": ((("dividend", "divisor"),), _modulo),
    "sqrt": ((("number",),), _sqrt),
    "log": ((("number",),), _log),
    "exp": ((("number",),), lambda n: ops.DECIMAL.exp(need(n, Decimal))),
    "odd": ((("number",),), lambda n: _integer(n) % 2 == 1),
    "even": ((("number",),), lambda n: _integer(n) % 2 == 0),
    "number": ((("from", "grouping separator?", "decimal separator?"),), _number),
    "string": ((("from",),), feel_string),
    "not": ((("negand",),), _not),
    "get value": ((("m", "key"), ("context", "keys")), _get_value),
    "get entries": ((("m",),), _get_entries),
    "context": ((("entries",),), _context),
    "context put": ((("context", "key", "value"), ("context", "keys", "value")), _context_put),
    "context merge": ((("contexts",),), _context_merge),
}
