"""Between FEEL values and JSON-safe Python (process variables, API payloads)."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from typing import Any

from app.engine.feel.values import FeelFunction, Range, YearsMonthsDuration, duration_isoformat

_KEPT = (bool, Decimal, str, dt.date, dt.time, dt.timedelta, YearsMonthsDuration, Range, FeelFunction)
_KEPT_EXACT = frozenset({*_KEPT, dt.datetime, type(None)})


def from_json_value(value: Any) -> Any:
    """JSON-ish Python (int, float, str, bool, None, list, dict) -> FEEL value."""
    kind = type(value)
    if kind in _KEPT_EXACT:
        return value
    if kind is int:
        return Decimal(value)
    if isinstance(value, _KEPT):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else Decimal(repr(value))
    if isinstance(value, list | tuple):
        return [from_json_value(item) for item in value]
    if isinstance(value, dict):
        return {str(key): from_json_value(item) for key, item in value.items()}
    return None


def _number(value: Decimal) -> int | float:
    if value == value.to_integral_value() and abs(value.adjusted()) < 40:
        return int(value)
    return float(value)


def to_json_value(value: Any) -> Any:
    """FEEL value -> JSON-safe Python: numbers to int or float, temporals to ISO 8601 text."""
    if value is None or isinstance(value, bool | str | int | float):
        return value
    if isinstance(value, Decimal):
        return _number(value)
    if isinstance(value, dt.date | dt.time):
        return _temporal_text(value)
    if isinstance(value, dt.timedelta):
        return duration_isoformat(value)
    if isinstance(value, YearsMonthsDuration):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [to_json_value(item) for item in value]
    if isinstance(value, dict):
        return {str(key): to_json_value(item) for key, item in value.items()}
    if isinstance(value, Range):
        return {
            "start": to_json_value(value.start),
            "end": to_json_value(value.end),
            "start included": value.start_included,
            "end included": value.end_included,
        }
    return str(value)


def _temporal_text(value: dt.date | dt.time) -> str:
    zone = getattr(value, "tzinfo", None)
    key = getattr(zone, "key", None)
    if key and isinstance(value, dt.datetime | dt.time):  # a plain date has no zone
        return value.replace(tzinfo=None).isoformat() + "@" + key
    return value.isoformat().replace("+00:00", "Z")
