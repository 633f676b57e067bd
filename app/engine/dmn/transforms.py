"""Camunda 7's typeRef transformation of decision table inputs and outputs.

Camunda 7 transforms the value of every input expression and output entry to the clause's typeRef
before the rules see it (DmnDataTypeTransformer): `"500"` for a double input is 500, `"true"` for
a boolean input is true, 500 for a string input is `"500"`, and a value it cannot transform fails
the decision (DMN-01005) instead of silently matching nothing. Process variables often arrive as
text (form fields, query parameters), so Baton does the same for Camunda's typeRefs (string,
boolean, integer, long, double, date) and for FEEL's `number`, the numeric typeRef of Camunda 8
models: there a numeric string is a number too, and anything else is an error, not a null that
changes which rule matches. Everywhere else (input data, decision results, item definitions,
FEEL's other types) the DMN standard's rule stands: a value that does not conform becomes null.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from app.engine.feel.builtins_number import feel_text
from app.engine.feel.temporal import parse_date, parse_date_time

_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_INTEGER = re.compile(r"[+-]?\d+")
_RANGES = {"integer": 2**31, "int": 2**31, "long": 2**63}


class TypeMismatch(ValueError):
    """The value cannot be transformed to the clause's typeRef."""


def _number(value: Any, type_ref: str) -> Decimal:
    if type(value) is Decimal:
        return value
    if type(value) is str and _NUMBER.fullmatch(value.strip()):
        return Decimal(value.strip())
    raise TypeMismatch(f"{_shown(value)} is not {_a(type_ref)}")


def _integer(value: Any, type_ref: str) -> Decimal:
    if type(value) is str and _INTEGER.fullmatch(value.strip()):
        value = Decimal(value.strip())
    if type(value) is not Decimal or value != value.to_integral_value():
        raise TypeMismatch(f"{_shown(value)} is not {_a(type_ref)}")
    if not -_RANGES[type_ref] <= value < _RANGES[type_ref]:
        raise TypeMismatch(f"{_shown(value)} is out of the range of {_a(type_ref)}")
    return value


def _boolean(value: Any, type_ref: str) -> bool:
    if type(value) is bool:
        return value
    if type(value) is str and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise TypeMismatch(f"{_shown(value)} is not a boolean")


def _string(value: Any, type_ref: str) -> str:
    if type(value) in (str, Decimal, bool):
        return feel_text(value)
    raise TypeMismatch(f"{_shown(value)} is not a string, a number or a boolean")


def _date(value: Any, type_ref: str) -> dt.date:
    # Camunda's `date` is a point in time (java.util.Date, written 2024-01-15T10:00:00); FEEL's is
    # a calendar day. Either is taken as it is, and text is read as whichever it spells.
    if isinstance(value, dt.date):
        return value
    if type(value) is str:
        text = value.strip()
        parsed = parse_date_time(text) if "T" in text else parse_date(text)
        if parsed is not None:
            return parsed
    raise TypeMismatch(f"{_shown(value)} is not a date")


TRANSFORMS: dict[str, Callable[[Any, str], Any]] = {
    "string": _string,
    "boolean": _boolean,
    "integer": _integer,
    "int": _integer,
    "long": _integer,
    "double": _number,
    "number": _number,
    "date": _date,
}
# Output entries are FEEL the modeller wrote, checked by the DMN standard's rule, except for the
# Java names FEEL does not know: those keep Camunda's meaning (an integer output holds no 1.5).
OUTPUT_TRANSFORMS = {name: TRANSFORMS[name] for name in ("integer", "int", "long", "double")}


def transformer(type_ref: str, transforms: dict = TRANSFORMS) -> Callable[[Any], Any] | None:
    """value -> transformed value (None stays None; raises TypeMismatch), or None when `type_ref`
    is not one Camunda transforms."""
    transform = transforms.get(type_ref)
    if transform is None:
        return None
    exact = {"string": str, "boolean": bool, "double": Decimal, "number": Decimal}.get(type_ref)

    def apply(value: Any) -> Any:
        if value is None or type(value) is exact:
            return value
        return transform(value, type_ref)

    return apply


def _shown(value: Any) -> str:
    text = feel_text(value) if value is not None else "null"
    text = text if len(text) <= 60 else text[:57] + "..."
    return f"'{text}'" if type(value) is str else text


def _a(type_ref: str) -> str:
    return f"an {type_ref}" if type_ref[0] in "aeiou" else f"a {type_ref}"
