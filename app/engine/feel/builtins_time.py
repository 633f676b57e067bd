"""FEEL built-in date, time and duration functions (DMN 1.5, 10.3.4.1 and 10.3.4.10)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from app.engine.feel import temporal
from app.engine.feel.builtins_text import need
from app.engine.feel.values import YearsMonthsDuration

_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def _int(value: Any) -> int:
    number = need(value, Decimal)
    if number != number.to_integral_value():
        raise ValueError("not an integer")
    return int(number)


def _date(value: Any, month: Any = None, day: Any = None) -> dt.date | None:
    if month is not None or day is not None:
        return dt.date(_int(value), _int(month), _int(day))
    if isinstance(value, dt.datetime):
        return value.date()
    if type(value) is dt.date:
        return value
    return temporal.parse_date(need(value, str))


def _date_and_time(value: Any, time: Any = None) -> dt.datetime | None:
    if time is not None:
        day = need(value, dt.date, dt.datetime)
        clock = need(time, dt.time)
        return dt.datetime.combine(day if type(day) is dt.date else day.date(), clock, tzinfo=clock.tzinfo)
    if type(value) is dt.datetime:
        return value
    if type(value) is dt.date:
        return dt.datetime(value.year, value.month, value.day)
    return temporal.parse_date_time(need(value, str))


def _time(value: Any, minute: Any = None, second: Any = None, offset: Any = None) -> dt.time | None:
    if minute is not None:
        seconds = need(second, Decimal)
        whole = int(seconds)
        zone = dt.timezone(need(offset, dt.timedelta)) if offset is not None else None
        micros = int((seconds - whole) * 1_000_000)
        return dt.time(_int(value), _int(minute), whole, micros, tzinfo=zone)
    if type(value) is dt.datetime:
        return value.timetz()
    if type(value) is dt.date:
        return dt.time(0, 0, 0, tzinfo=dt.UTC)
    if type(value) is dt.time:
        return value
    return temporal.parse_time(need(value, str))


def _duration(text: Any) -> Any:
    return temporal.parse_duration(need(text, str))


def _months_between(start: Any, end: Any) -> YearsMonthsDuration:
    a, b = need(start, dt.date, dt.datetime), need(end, dt.date, dt.datetime)
    months = (b.year - a.year) * 12 + b.month - a.month
    a_rest = (a.day, a.hour, a.minute, a.second) if isinstance(a, dt.datetime) else (a.day, 0, 0, 0)
    b_rest = (b.day, b.hour, b.minute, b.second) if isinstance(b, dt.datetime) else (b.day, 0, 0, 0)
    if months > 0 and b_rest < a_rest:
        months -= 1
    elif months < 0 and b_rest > a_rest:
        months += 1
    return YearsMonthsDuration(months)


def _day(value: Any) -> dt.date:
    return need(value, dt.date, dt.datetime)


def _is(a: Any, b: Any) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, dt.datetime | dt.time):
        return a == b and a.tzinfo == b.tzinfo and a.utcoffset() == b.utcoffset()
    return a == b


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


TIME_FUNCTIONS = {
    "date": ((("from",), ("year", "month", "day")), _date),
    "date and time": ((("from",), ("date", "time")), _date_and_time),
    "time": ((("from",), ("hour", "minute", "second", "offset?")), _time),
    "duration": ((("from",),), _duration),
    "years and months duration": ((("from", "to"),), _months_between),
    "now": (((),), _now),
    "today": (((),), lambda: dt.date.today()),
    "day of year": ((("date",),), lambda d: Decimal(_day(d).timetuple().tm_yday)),
    "day of week": ((("date",),), lambda d: _DAYS[_day(d).weekday()]),
    "month of year": ((("date",),), lambda d: _MONTHS[_day(d).month - 1]),
    "week of year": ((("date",),), lambda d: Decimal(_day(d).isocalendar()[1])),
    "is": ((("value1", "value2"),), _is),
}
