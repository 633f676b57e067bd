"""Reading FEEL temporal values from text, and their documented properties (`date.year` ...)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from app.engine.feel.values import Range, YearsMonthsDuration

_DATE = re.compile(r"(\d{4})-(\d\d)-(\d\d)")
_TIME = re.compile(r"(\d\d):(\d\d):(\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d(?::\d\d)?|@[\w/+\-]+)?")
_DURATION = re.compile(
    r"(-)?P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?"
)


def parse_date(text: str) -> dt.date | None:
    match = _DATE.fullmatch(text)
    if not match:
        return None
    try:
        return dt.date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def parse_zone(text: str | None) -> dt.tzinfo | None:
    if not text:
        return None
    if text == "Z":
        return dt.UTC
    if text.startswith("@"):
        try:
            return ZoneInfo(text[1:])
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {text[1:]!r}")
    sign = -1 if text[0] == "-" else 1
    parts = [int(part) for part in text[1:].split(":")]
    offset = dt.timedelta(hours=parts[0], minutes=parts[1], seconds=parts[2] if len(parts) > 2 else 0)
    if offset > dt.timedelta(hours=14):
        raise ValueError("time offset out of range")
    return dt.timezone(sign * offset)


def parse_time(text: str) -> dt.time | None:
    match = _TIME.fullmatch(text)
    if not match:
        return None
    hour, minute, second, fraction, zone = match.groups()
    micros = int((fraction[1:] + "000000")[:6]) if fraction else 0
    try:
        return dt.time(int(hour), int(minute), int(second), micros, tzinfo=parse_zone(zone))
    except ValueError:
        return None


def parse_date_time(text: str) -> dt.datetime | None:
    date_part, sep, time_part = text.partition("T")
    date = parse_date(date_part)
    if date is None:
        return None
    if not sep:
        return dt.datetime(date.year, date.month, date.day)
    time = parse_time(time_part)
    return dt.datetime.combine(date, time, tzinfo=time.tzinfo) if time else None


def parse_duration(text: str) -> dt.timedelta | YearsMonthsDuration | None:
    match = _DURATION.fullmatch(text)
    if not match or text in ("P", "-P") or text.endswith("T"):
        return None
    sign, years, months, days, hours, minutes, seconds = match.groups()
    factor = -1 if sign else 1
    if years or months:
        if days or hours or minutes or seconds:
            return None
        return YearsMonthsDuration(factor * (int(years or 0) * 12 + int(months or 0)))
    delta = dt.timedelta(
        days=int(days or 0),
        hours=int(hours or 0),
        minutes=int(minutes or 0),
        seconds=float(Decimal(seconds or 0)),
    )
    return -delta if factor < 0 else delta


def parse_temporal(text: str) -> Any:
    """The value of an `@"..."` literal: a date, time, date and time or duration."""
    for parse in (parse_date, parse_date_time, parse_time, parse_duration):
        value = parse(text)
        if value is not None:
            return value
    return None


def _offset(value: dt.time | dt.datetime) -> dt.timedelta | None:
    if value.tzinfo is None:
        return None
    if isinstance(value, dt.datetime):
        return value.utcoffset()
    return value.utcoffset() if not isinstance(value.tzinfo, ZoneInfo) else None


def _zone_name(value: dt.time | dt.datetime) -> str | None:
    zone = value.tzinfo
    if isinstance(zone, ZoneInfo):
        return zone.key
    return None


def _seconds(value: dt.time | dt.datetime) -> Decimal:
    if value.microsecond:
        return Decimal(value.second) + Decimal(value.microsecond) / Decimal(1_000_000)
    return Decimal(value.second)


def _clock_properties(value: dt.time | dt.datetime) -> dict[str, Any]:
    return {
        "hour": Decimal(value.hour),
        "minute": Decimal(value.minute),
        "second": _seconds(value),
        "time offset": _offset(value),
        "timezone": _zone_name(value),
    }


def _date_properties(value: dt.date) -> dict[str, Any]:
    return {
        "year": Decimal(value.year),
        "month": Decimal(value.month),
        "day": Decimal(value.day),
        "weekday": Decimal(value.isoweekday()),
    }


def _duration_properties(value: dt.timedelta) -> dict[str, Any]:
    total = abs(value)
    sign = -1 if value < dt.timedelta(0) else 1
    seconds = total.seconds % 60 + Decimal(total.microseconds) / Decimal(1_000_000)
    return {
        "days": Decimal(sign * total.days),
        "hours": Decimal(sign * (total.seconds // 3600)),
        "minutes": Decimal(sign * (total.seconds // 60 % 60)),
        "seconds": sign * seconds,
    }


def temporal_property(value: Any, name: str) -> Any:
    """A documented property of a FEEL temporal or range value, or None when there is none."""
    if isinstance(value, dt.datetime):
        props = {**_date_properties(value), **_clock_properties(value)}
    elif isinstance(value, dt.date):
        props = _date_properties(value)
    elif isinstance(value, dt.time):
        props = _clock_properties(value)
    elif isinstance(value, dt.timedelta):
        props = _duration_properties(value)
    elif isinstance(value, YearsMonthsDuration):
        props = {"years": value.years, "months": value.months_part}
    elif isinstance(value, Range):
        props = {
            "start": value.start,
            "end": value.end,
            "start included": value.start_included,
            "end included": value.end_included,
        }
    else:
        return None
    return props.get(name)
