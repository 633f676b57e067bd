"""Camunda's FEEL extension functions (feel-scala), which Camunda 8 models use everywhere.

`is defined` is not here: it must see whether a name exists, not its value, so the compiler
builds it (app.engine.feel.loops.invoke). The rest take values like any built-in.
"""

from __future__ import annotations

import calendar
import datetime as dt
from decimal import Decimal
from typing import Any

from app.engine.feel.builtins_text import need
from app.engine.feel.builtins_time import _day
from app.engine.feel.scope import FeelEvaluationError
from app.engine.feel.values import YearsMonthsDuration, duration_isoformat


def _assert(value: Any, condition: Any, cause: Any = None) -> Any:
    # Camunda's one way to make an expression fail (an incident) instead of yielding null.
    if condition is not True:
        raise FeelEvaluationError(f"assertion failed: {cause if cause is not None else condition}")
    return value


def _partition(items: Any, size: Any) -> list:
    items, size = need(items, list), int(need(size, Decimal))
    if size <= 0:
        raise ValueError("size must be positive")
    return [items[i : i + size] for i in range(0, len(items), size)]


def _duplicates(items: Any) -> list:
    items, seen, twice = need(items, list), [], []
    for item in items:
        if item in seen and item not in twice:
            twice.append(item)
        seen.append(item)
    return twice


def _last_day_of_month(value: Any) -> dt.date:
    day = _day(value)
    return dt.date(day.year, day.month, calendar.monthrange(day.year, day.month)[1])


def _cycle(first: Any, second: Any = None) -> str:
    """A timer cycle as Zeebe reads it: `cycle(duration("PT1H"))` is "R/PT1H" (for ever) and
    `cycle(5, duration("PT1H"))` "R5/PT1H"."""
    repetitions, interval = (None, first) if second is None else (first, second)
    if isinstance(interval, YearsMonthsDuration):
        period = interval.isoformat()
    else:
        period = duration_isoformat(need(interval, dt.timedelta))
    if repetitions is None:
        return f"R/{period}"
    count = need(repetitions, Decimal)
    if count < 0 or count != count.to_integral_value():
        raise ValueError("repetitions must be a whole number, 0 or more")
    return f"R{int(count)}/{period}"


CAMUNDA_FUNCTIONS = {
    "get or else": ((("value", "default"),), lambda value, default: default if value is None else value),
    "is empty": ((("list",),), lambda items: len(need(items, list)) == 0),
    "trim": ((("string",),), lambda text: need(text, str).strip()),
    "partition": ((("list", "size"),), _partition),
    "duplicate values": ((("list",),), _duplicates),
    "last day of month": ((("date",),), _last_day_of_month),
    "assert": ((("value", "condition", "cause?"),), _assert),
    "cycle": ((("interval",), ("repetitions", "interval")), _cycle),
}
