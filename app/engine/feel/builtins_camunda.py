"""Camunda's FEEL extension functions (feel-scala), which Camunda 8 models use everywhere.

`is defined` is not here: it must see whether a name exists, not its value, so the compiler
builds it (app.engine.feel.loops.invoke). The rest take values like any built-in.
"""

from __future__ import annotations

import base64
import calendar
import datetime as dt
import random
import uuid
from decimal import Decimal
from typing import Any

from app.engine import patterns
from app.engine.feel import temporal
from app.engine.feel.builtins_text import need
from app.engine.feel.builtins_time import _date_and_time, _day
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


def _at_zone(value: Any, zone_or_time: Any = None) -> dt.datetime | None:
    """date and time(date, time) as FEEL has it, and Camunda's date and time(value, timezone):
    the same moment in that zone ("Europe/Berlin", "Z", "+02:00"); a local value is read as UTC."""
    if type(zone_or_time) is not str:
        return _date_and_time(value, zone_or_time)
    moment, name = need(value, dt.datetime), zone_or_time.strip()
    zone = temporal.parse_zone(name if name[:1] in ("Z", "+", "-") else "@" + name)
    return (moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)).astimezone(zone)


def _from_base64(text: Any) -> str:
    return base64.b64decode(need(text, str), validate=True).decode("utf-8")


CAMUNDA_FUNCTIONS = {
    "get or else": ((("value", "default"),), lambda value, default: default if value is None else value),
    "is empty": ((("list",),), lambda items: len(need(items, list)) == 0),
    "trim": ((("string",),), lambda text: need(text, str).strip()),
    "partition": ((("list", "size"),), _partition),
    "duplicate values": ((("list",),), _duplicates),
    "last day of month": ((("date",),), _last_day_of_month),
    "assert": ((("value", "condition", "cause?"),), _assert),
    "cycle": ((("interval",), ("repetitions", "interval")), _cycle),
    "extract": ((("input", "pattern"),), lambda text, p: patterns.find_all(need(p, str), need(text, str))),
    "is blank": ((("string",),), lambda text: need(text, str).strip() == ""),
    "uuid": (((),), lambda: str(uuid.uuid4())),
    "to base64": ((("value",),), lambda text: base64.b64encode(need(text, str).encode()).decode("ascii")),
    "from base64": ((("value",),), _from_base64),
    "random number": (((),), lambda: Decimal(repr(random.random()))),  # noqa: S311 (not for secrets)
    "date and time": ((("from",), ("date", "time"), ("date", "timezone")), _at_zone),
}
