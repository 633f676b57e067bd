"""FEEL operator semantics: arithmetic, ordering and equality, with null for every type mismatch."""

from __future__ import annotations

import datetime as dt
from calendar import monthrange
from decimal import ROUND_HALF_EVEN, Context, Decimal, DecimalException
from typing import Any

from app.engine.feel.values import FeelFunction, Range, YearsMonthsDuration

# FEEL numbers are IEEE 754-2008 decimal128: 34 significant digits, half-even rounding.
DECIMAL = Context(prec=34, rounding=ROUND_HALF_EVEN, Emin=-6143, Emax=6144)
MAX_STRING = 10_000_000
_MICROS = Decimal(1_000_000)
_DAY = dt.timedelta(days=1)
_EPOCH = dt.date(2000, 1, 1)


def _kind(value: Any) -> type:
    kind = type(value)
    return dict if issubclass(kind, dict) and kind is not dict else kind


def add(a: Any, b: Any) -> Any:
    ta, tb = type(a), type(b)
    if ta is Decimal and tb is Decimal:
        return _number(DECIMAL.add, a, b)
    if ta is str and tb is str:
        return a + b if len(a) + len(b) <= MAX_STRING else None
    if a is None or b is None:
        return None
    return _temporal_add(a, b, 1)


def sub(a: Any, b: Any) -> Any:
    ta, tb = type(a), type(b)
    if ta is Decimal and tb is Decimal:
        return _number(DECIMAL.subtract, a, b)
    if a is None or b is None:
        return None
    if ta is tb and ta in (dt.date, dt.datetime):
        return _difference(a, b)
    if ta is tb is dt.time:
        return _time_difference(a, b)
    return _temporal_add(a, b, -1)


def mul(a: Any, b: Any) -> Any:
    ta, tb = type(a), type(b)
    if ta is Decimal and tb is Decimal:
        return _number(DECIMAL.multiply, a, b)
    if ta is Decimal and tb in (dt.timedelta, YearsMonthsDuration):
        a, b, ta, tb = b, a, tb, ta
    if tb is Decimal and ta is dt.timedelta:
        return _micros_to_delta(_delta_micros(a) * b)
    if tb is Decimal and ta is YearsMonthsDuration:
        return YearsMonthsDuration(int(a.months * b))
    return None


def div(a: Any, b: Any) -> Any:
    ta, tb = type(a), type(b)
    if ta is Decimal and tb is Decimal:
        return _number(DECIMAL.divide, a, b)
    if ta is dt.timedelta and tb is Decimal and b:
        return _micros_to_delta(_delta_micros(a) / b)
    if ta is YearsMonthsDuration and tb is Decimal and b:
        return YearsMonthsDuration(int(a.months / b))
    if ta is tb is dt.timedelta and b:
        return _number(DECIMAL.divide, _delta_micros(a), _delta_micros(b))
    if ta is tb is YearsMonthsDuration and b.months:
        return _number(DECIMAL.divide, Decimal(a.months), Decimal(b.months))
    return None


def power(a: Any, b: Any) -> Any:
    if type(a) is Decimal and type(b) is Decimal:
        return _number(DECIMAL.power, a, b)
    return None


def negate(a: Any) -> Any:
    kind = type(a)
    if kind is Decimal:
        return -a
    if kind is dt.timedelta:
        return -a
    if kind is YearsMonthsDuration:
        return YearsMonthsDuration(-a.months)
    return None


def _number(operation: Any, a: Decimal, b: Decimal) -> Decimal | None:
    try:
        result = operation(a, b)
    except (DecimalException, ValueError, OverflowError):
        return None
    return None if result.is_nan() or result.is_infinite() else result


def _delta_micros(value: dt.timedelta) -> Decimal:
    return Decimal((value.days * 86400 + value.seconds) * 1_000_000 + value.microseconds)


def _micros_to_delta(micros: Decimal) -> dt.timedelta | None:
    try:
        return dt.timedelta(microseconds=int(micros))
    except OverflowError:
        return None


def _add_months(value: dt.date, months: int) -> dt.date | None:
    year, month = divmod(value.month - 1 + months, 12)
    year += value.year
    if not 1 <= year <= 9999:
        return None
    return value.replace(year=year, month=month + 1, day=min(value.day, monthrange(year, month + 1)[1]))


def _temporal_add(a: Any, b: Any, sign: int) -> Any:
    ta, tb = type(a), type(b)
    if (
        sign > 0
        and ta in (dt.timedelta, YearsMonthsDuration)
        and tb not in (dt.timedelta, YearsMonthsDuration)
    ):
        a, b, ta, tb = b, a, tb, ta
    try:
        if tb is dt.timedelta:
            if ta is dt.timedelta:
                return a + sign * b
            if ta is dt.datetime and a.tzinfo is not None:
                return _shift(a, sign * b)
            if ta in (dt.date, dt.datetime):
                return a + sign * b
            if ta is dt.time:
                moved = dt.datetime.combine(_EPOCH, a) + sign * b
                return moved.timetz()
        if tb is YearsMonthsDuration:
            if ta is YearsMonthsDuration:
                return YearsMonthsDuration(a.months + sign * b.months)
            if ta in (dt.date, dt.datetime):
                return _add_months(a, sign * b.months)
    except (OverflowError, TypeError):
        return None
    return None


def _difference(a: dt.date, b: dt.date) -> dt.timedelta | None:
    try:
        if isinstance(a, dt.datetime) and isinstance(b, dt.datetime) and a.tzinfo and b.tzinfo:
            # Python subtracts two times of one zone by their wall clocks (03:30 - 01:30 is PT2H
            # on the day clocks spring forward); FEEL, as java.time, by the time that passed.
            return a.astimezone(dt.UTC) - b.astimezone(dt.UTC)
        return a - b
    except TypeError:  # a naive and an aware date and time
        return None


def _shift(value: dt.datetime, delta: dt.timedelta) -> dt.datetime:
    """An aware date and time moved by exact time, as java.time moves it: Python moves one with a
    zone by its wall clock (01:30 + PT1H was a 02:30 that does not exist that night)."""
    return (value.astimezone(dt.UTC) + delta).astimezone(value.tzinfo)


def _time_difference(a: dt.time, b: dt.time) -> dt.timedelta | None:
    if (a.tzinfo is None) != (b.tzinfo is None):
        return None
    return dt.datetime.combine(_EPOCH, a) - dt.datetime.combine(_EPOCH, b)


_ORDERED = (Decimal, str, dt.date, dt.datetime, dt.time, dt.timedelta, YearsMonthsDuration)


def compare(a: Any, b: Any) -> int | None:
    """-1, 0 or 1 when a and b are of one ordered FEEL type, else None."""
    ta = type(a)
    if ta is not type(b) or ta not in _ORDERED:
        return None
    if ta is dt.time:
        a, b = dt.datetime.combine(_EPOCH, a), dt.datetime.combine(_EPOCH, b)
    try:
        return -1 if a < b else (1 if a > b else 0)
    except TypeError:
        return None


def range_contains(bounds: Range, value: Any) -> bool | None:
    """Whether `value` lies in the range; null when it cannot be compared with the end points."""
    if value is None:
        return None
    if bounds.start is not None:
        order = compare(value, bounds.start)
        if order is None:
            return None
        if order < 0 or (order == 0 and not bounds.start_included):
            return False
    if bounds.end is not None:
        order = compare(value, bounds.end)
        if order is None:
            return None
        if order > 0 or (order == 0 and not bounds.end_included):
            return False
    return True


def equals(a: Any, b: Any) -> bool | None:
    """FEEL `=`: null equals only null; values of different types are not comparable (null)."""
    if a is None or b is None:
        return a is None and b is None
    ta, tb = _kind(a), _kind(b)
    if ta is not tb:
        return None
    if ta is list:
        return _list_equals(a, b)
    if ta is dict:
        return _context_equals(a, b)
    if ta is dt.time:
        return compare(a, b) == 0
    if ta is FeelFunction:
        return a is b
    if ta is Range:
        return a == b
    try:
        return a == b
    except TypeError:
        return None


def _list_equals(a: list, b: list) -> bool | None:
    if len(a) != len(b):
        return False
    for x, y in zip(a, b, strict=True):
        same = equals(x, y)
        if same is not True:
            return same
    return True


def _context_equals(a: dict, b: dict) -> bool | None:
    if a.keys() != b.keys():
        return False
    return _list_equals([a[k] for k in a], [b[k] for k in a])


def truth(value: Any) -> bool | None:
    """A boolean operand of and/or/not; anything not boolean counts as null."""
    return value if type(value) is bool else None
