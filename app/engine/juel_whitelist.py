"""The JUEL whitelist: which properties and methods an expression may reach (dict keys, list
indexes, and a short list of String, List, Map, Number and Joda DateTime methods), and EL's
`==` and comparisons. Anything else raises JuelEvaluationError naming it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from dateutil.relativedelta import relativedelta

from app.engine import patterns
from app.engine.execution_facts import GETTERS
from app.engine.expression_errors import ExpressionError
from app.engine.juel_spin import SPIN_METHODS, SpinJson
from app.engine.juel_strings import STRING_METHODS


class JuelEvaluationError(ExpressionError):
    """The expression could not be evaluated (unknown variable, refused method, bad operands)."""


def _error(message: str, text: str) -> ExpressionError:
    return JuelEvaluationError(message, text)


class Execution:
    """What `execution` means in an expression: read access to the process variables and, within an
    instance, Camunda 7's properties of it and of the activity evaluating (app.engine.execution_facts)."""

    def __init__(self, variables: dict, properties: dict | None = None):
        self.variables = variables
        self.properties = properties or {}


def read_property(target: Any, key: Any, text: str) -> Any:
    """`a.b` / `a['b']` / `list[0]`: dict keys and list indexes only; null stays null."""
    if target is None:
        return None
    if isinstance(target, Execution):
        return target.properties[key] if key in target.properties else target.variables.get(key)
    if isinstance(target, dict):
        return target.get(key)
    if isinstance(target, list | tuple) and isinstance(key, int | float | str) and not isinstance(key, bool):
        try:
            return target[int(key)]
        except (IndexError, ValueError):
            return None
    raise _error(f"cannot read property {key!r} of a {type(target).__name__}", text)


_STRING_METHODS: dict[str, Callable[..., Any]] = {
    "equals": lambda s, other: s == other,
    "equalsIgnoreCase": lambda s, o: isinstance(o, str) and s.lower() == o.lower(),
    "contains": lambda s, part: str(part) in s,
    "startsWith": lambda s, part: s.startswith(part),
    "endsWith": lambda s, part: s.endswith(part),
    "length": len,
    "isEmpty": lambda s: not s,
    "toUpperCase": str.upper,
    "toLowerCase": str.lower,
    "trim": str.strip,
    "indexOf": lambda s, part, start=0: s.find(part, int(start)),
    "substring": lambda s, start, end=None: s[int(start) : None if end is None else int(end)],
    "toString": str,
    **STRING_METHODS,
}
_LIST_METHODS: dict[str, Callable[..., Any]] = {
    "size": len,
    "isEmpty": lambda items: not items,
    "contains": lambda items, item: item in items,
    "get": lambda items, index: items[int(index)],
    "indexOf": lambda items, item: items.index(item) if item in items else -1,
}
_MAP_METHODS: dict[str, Callable[..., Any]] = {
    "size": len,
    "isEmpty": lambda m: not m,
    "containsKey": lambda m, key: key in m,
    "get": lambda m, key: m.get(key),
    "getVariable": lambda m, key: m.get(key),
    "hasVariable": lambda m, key: key in m,
    "getVariableLocal": lambda m, key: m.get(key),
}
_NUMBER_METHODS: dict[str, Callable[..., Any]] = {
    "equals": lambda n, other: n == other and not isinstance(other, bool),
    "intValue": int,
    "longValue": int,
    "doubleValue": float,
    "toString": str,
}


def _plus(unit: str, sign: int = 1) -> Callable[..., Any]:
    def shift(moment: datetime, amount: Any) -> datetime:
        if unit == "months":
            return moment + relativedelta(months=sign * int(amount))
        return moment + timedelta(**{unit: sign * float(amount)})

    return shift


_UNITS = ("Weeks", "Days", "Hours", "Minutes", "Seconds", "Months")
# Joda DateTime as Camunda models use it: dateTime().plusWeeks(1).toDate(); a date ends as ISO 8601.
_DATETIME_METHODS: dict[str, Callable[..., Any]] = {
    **{f"plus{u}": _plus(u.lower()) for u in _UNITS},
    **{f"minus{u}": _plus(u.lower(), -1) for u in _UNITS},
    "toDate": lambda moment: moment.isoformat(),
    "toString": lambda moment: moment.isoformat(),
}


def _methods_for(target: Any) -> dict[str, Callable[..., Any]]:
    if isinstance(target, SpinJson):
        return SPIN_METHODS
    if isinstance(target, datetime):
        return _DATETIME_METHODS
    if isinstance(target, str):
        return _STRING_METHODS
    if isinstance(target, list | tuple):
        return _LIST_METHODS
    if isinstance(target, dict):
        return _MAP_METHODS
    if isinstance(target, int | float | Decimal) and not isinstance(target, bool):
        return _NUMBER_METHODS
    return {}


_METHOD_ERRORS = (TypeError, ValueError, IndexError, AttributeError, patterns.error, patterns.PatternTooSlow)


def call_method(target: Any, name: str, args: list[Any], text: str) -> Any:
    """Call a whitelisted method; any other raises JuelEvaluationError naming it."""
    if isinstance(target, Execution):
        if name in GETTERS and not args and target.properties:
            return target.properties[GETTERS[name]]
        target = target.variables
    method = _methods_for(target).get(name)
    if method is None:
        raise _error(f"method {name!r} is not allowed on a {type(target).__name__}", text)
    try:
        return method(target, *args)
    except _METHOD_ERRORS as exc:
        raise _error(f"{name}() failed: {exc}", text)


def equals(a: Any, b: Any) -> bool:
    """EL `==`: numbers by value, a number and a numeric string as numbers, else Python equality."""
    if a is None or b is None:
        return a is b
    numeric = (int, float, Decimal)
    if isinstance(a, bool) or isinstance(b, bool):
        return str(a).lower() == str(b).lower() if isinstance(a, str) or isinstance(b, str) else a == b
    if isinstance(a, numeric) and isinstance(b, str) or isinstance(b, numeric) and isinstance(a, str):
        try:
            return float(a) == float(b)
        except ValueError:
            return False
    return a == b


def compare(a: Any, b: Any, operator: str, text: str) -> bool:
    if a is None or b is None:
        return False
    if isinstance(a, str) and not isinstance(b, str) or isinstance(b, str) and not isinstance(a, str):
        try:
            a, b = float(a), float(b)
        except (TypeError, ValueError):
            raise _error(f"cannot compare {a!r} with {b!r}", text)
    try:
        return {"<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[operator]
    except TypeError:
        raise _error(f"cannot compare {a!r} with {b!r}", text)
