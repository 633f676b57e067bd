"""FEEL value types beyond the plain Python ones.

FEEL values map onto Python as: number -> Decimal, string -> str, boolean -> bool, null -> None,
date -> datetime.date, date and time -> datetime.datetime, time -> datetime.time,
days and time duration -> datetime.timedelta, years and months duration -> YearsMonthsDuration,
list -> list, context -> dict, range -> Range, function -> FeelFunction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from functools import total_ordering
from typing import Any


@total_ordering
@dataclass(frozen=True, slots=True)
class YearsMonthsDuration:
    """A years and months duration, held as a signed number of months."""

    months: int

    @property
    def years(self) -> Decimal:
        return Decimal(int(self.months / 12))

    @property
    def months_part(self) -> Decimal:
        return Decimal(int(abs(self.months) % 12) * (1 if self.months >= 0 else -1))

    def __lt__(self, other: YearsMonthsDuration) -> bool:
        return self.months < other.months

    def isoformat(self) -> str:
        sign, months = ("-" if self.months < 0 else ""), abs(self.months)
        years, rest = divmod(months, 12)
        if not months:
            return "P0M"
        return sign + "P" + (f"{years}Y" if years else "") + (f"{rest}M" if rest else "")


@dataclass(frozen=True, slots=True)
class Range:
    """An interval such as [1..10) ; a None end point means the range is open on that side."""

    start: Any
    end: Any
    start_included: bool = True
    end_included: bool = True

    def contains(self, value: Any) -> bool | None:
        from app.engine.feel.ops import range_contains

        return range_contains(self, value)


@dataclass(frozen=True, slots=True)
class FeelFunction:
    """A callable FEEL value: a user function or a built-in.

    `call(args: list, named: dict | None)` runs it; `params` names the parameters in order
    (None for a built-in that takes any number of arguments).
    """

    name: str
    params: tuple[str, ...] | None
    call: Any

    def __repr__(self) -> str:
        return f"function {self.name}"


def type_name(value: Any) -> str:
    """The FEEL type of a value, as written after `instance of`."""
    if value is None:
        return "Null"
    kind = _TYPE_NAMES.get(type(value))
    if kind:
        return kind
    if isinstance(value, dt.datetime):
        return "date and time"
    if isinstance(value, dict):
        return "context"
    return "Any"


_TYPE_NAMES = {
    Decimal: "number",
    str: "string",
    bool: "boolean",
    dt.date: "date",
    dt.datetime: "date and time",
    dt.time: "time",
    dt.timedelta: "days and time duration",
    YearsMonthsDuration: "years and months duration",
    list: "list",
    dict: "context",
    Range: "range",
    FeelFunction: "function",
}


def duration_isoformat(value: dt.timedelta) -> str:
    """ISO 8601 text of a days and time duration, e.g. P1DT2H30M or -PT0.5S."""
    total = value.days * 86400 + value.seconds
    micros = value.microseconds
    sign = ""
    if total < 0:
        sign = "-"
        total, micros = (-total - 1, 1_000_000 - micros) if micros else (-total, 0)
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    text = f"{sign}P" + (f"{days}D" if days else "")
    clock = (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
    if seconds or micros:
        frac = f".{micros:06d}".rstrip("0") if micros else ""
        clock += f"{seconds}{frac}S"
    if clock:
        text += "T" + clock
    return text if text not in ("P", "-P") else "PT0S"
