"""Business-hours calendars: count a duration in working time instead of wall-clock time.

A definition chooses one with the process property `businessCalendar`. A name is either registered
(`register_calendar`) or spelled out as

    <COUNTRY>[-<SUBDIVISION>]-<FROM>to<UNTIL>[@<Area/City>]      e.g. DE-9to17, DE-BY-8:30to16:30,
                                                                   US-NY-9to17@America/New_York

or as a bare <COUNTRY>[-<SUBDIVISION>] (`GB`): 9 to 17 UTC.

Working days are Monday to Friday minus the public holidays of the country (and subdivision) from
the `holidays` package; working hours are FROM to UNTIL in the time zone after `@` (else the
country's main zone, else UTC). `24x7` counts wall-clock time. The same calendars count timers,
due dates, escalations and SLA clocks.

In business time a duration's hours, minutes and seconds are working time, a day (`P1D`) is one
working day's hours and a week five working days: `PT24H` on a 9-to-17 calendar is three working
days. Years and months have no business meaning and are refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

_NAME = re.compile(
    r"^(?P<country>[A-Z]{2})(?:-(?P<subdiv>[A-Z0-9]{1,3}))?"
    r"-(?P<start>\d{1,2}(?::\d{2})?)to(?P<end>\d{1,2}(?::\d{2})?)(?:@(?P<tz>[A-Za-z_]+(?:/[A-Za-z_+-]+)*))?$"
)
_DURATION = re.compile(
    r"^P(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?$"
)
# A country's main time zone, so `DE-9to17` means 9 to 17 in Berlin; others say `@Zone` or get UTC.
_ZONES = {
    "DE": "Europe/Berlin", "AT": "Europe/Vienna", "CH": "Europe/Zurich", "FR": "Europe/Paris",
    "NL": "Europe/Amsterdam", "BE": "Europe/Brussels", "IT": "Europe/Rome", "ES": "Europe/Madrid",
    "GB": "Europe/London", "IE": "Europe/Dublin", "PL": "Europe/Warsaw", "SE": "Europe/Stockholm",
    "US": "America/New_York", "CA": "America/Toronto", "IN": "Asia/Kolkata", "JP": "Asia/Tokyo",
    "AU": "Australia/Sydney",
}  # fmt: skip
MAX_DAYS = 3660  # a duration that finds no working time in ten years is a broken calendar


class CalendarError(ValueError):
    """An unknown calendar name or a duration that cannot be counted in business time."""


@dataclass(frozen=True)
class BusinessCalendar:
    name: str
    opens: time
    closes: time
    zone: str = "UTC"
    country: str | None = None
    subdiv: str | None = None
    workdays: frozenset = field(default=frozenset(range(5)))  # Monday = 0

    @property
    def day_seconds(self) -> float:
        return (datetime.combine(date.min, self.closes) - datetime.combine(date.min, self.opens)).seconds

    def is_working_day(self, day: date) -> bool:
        return day.weekday() in self.workdays and day not in _holidays(self.country, self.subdiv)

    def add(self, start: datetime, duration: str) -> datetime:
        """`start` plus an ISO 8601 duration counted in working time; returns UTC."""
        return self.add_seconds(start, self.working_seconds(duration))

    def working_seconds(self, duration: str) -> float:
        match = _DURATION.match(duration.strip())
        if not match or duration.strip() == "P":
            raise CalendarError(f"'{duration}' is no duration business time can count (no years or months)")
        parts = {k: float(v or 0) for k, v in match.groupdict().items()}
        days = parts["weeks"] * 5 + parts["days"]
        return days * self.day_seconds + parts["hours"] * 3600 + parts["minutes"] * 60 + parts["seconds"]

    def add_seconds(self, start: datetime, seconds: float) -> datetime:
        zone = ZoneInfo(self.zone)
        moment = (start if start.tzinfo else start.replace(tzinfo=UTC)).astimezone(zone)
        remaining = seconds
        for _ in range(MAX_DAYS):
            day = moment.date()
            if self.is_working_day(day):
                opens = datetime.combine(day, self.opens, zone)
                closes = datetime.combine(day, self.closes, zone)
                moment = max(moment, opens)
                if moment < closes:
                    step = min(remaining, (closes - moment).total_seconds())
                    moment, remaining = moment + timedelta(seconds=step), remaining - step
                    if remaining <= 0:
                        return moment.astimezone(UTC)
            moment = datetime.combine(day + timedelta(days=1), self.opens, zone)
        raise CalendarError(f"calendar {self.name} has no working time within {MAX_DAYS} days")

    def hours_between(self, start: datetime, end: datetime) -> float:
        """Working hours from `start` to `end` (0 when end is not after start)."""
        zone = ZoneInfo(self.zone)
        start, end = _utc(start).astimezone(zone), _utc(end).astimezone(zone)
        total, day = 0.0, start.date()
        while day <= end.date():
            if self.is_working_day(day):
                opens, closes = (
                    datetime.combine(day, self.opens, zone),
                    datetime.combine(day, self.closes, zone),
                )
                total += max((min(end, closes) - max(start, opens)).total_seconds(), 0.0)
            day += timedelta(days=1)
        return total / 3600


class WallClock:
    """`24x7`: durations as SpiffWorkflow counts them."""

    name = "24x7"

    def add(self, start: datetime, duration: str) -> datetime:
        from app.engine.timers import duration_seconds

        return start + timedelta(seconds=duration_seconds(duration))

    def hours_between(self, start: datetime, end: datetime) -> float:
        return max((_utc(end) - _utc(start)).total_seconds(), 0.0) / 3600


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # naive times are stored UTC


_REGISTRY: dict[str, BusinessCalendar | WallClock] = {"24x7": WallClock()}


def register_calendar(calendar: BusinessCalendar) -> None:
    """Name a calendar the pattern cannot spell (other working days, a company's own holidays)."""
    _REGISTRY[calendar.name] = calendar


@lru_cache(maxsize=64)
def _holidays(country: str | None, subdiv: str | None):
    return holidays.country_holidays(country, subdiv=subdiv) if country else {}


def _clock(text: str) -> time:
    hours, _, minutes = text.partition(":")
    return time(int(hours) % 24, int(minutes or 0)) if int(hours) < 24 else time(23, 59, 59)


# A bare country (and subdivision) code, `GB` or `DE-BY`: Monday to Friday 09:00-17:00 UTC minus its
# holidays, as SLA clocks have always read it. Timers, due dates and escalations read it the same.
_COUNTRY_ONLY = re.compile(r"^[A-Z]{2}(-[A-Z0-9]{1,3})?$")


@lru_cache(maxsize=128)
def calendar_named(name: str) -> BusinessCalendar | WallClock:
    """The calendar a definition names; CalendarError names what is wrong."""
    if name in _REGISTRY:
        return _REGISTRY[name]
    if _COUNTRY_ONLY.match(name.strip()):
        return calendar_named(f"{name.strip()}-9to17@UTC")
    match = _NAME.match(name.strip())
    if not match:
        raise CalendarError(
            f"unknown business calendar '{name}' (e.g. GB, DE-9to17, US-NY-9to17@America/New_York)"
        )
    country, subdiv = match["country"], match["subdiv"]
    try:
        _holidays(country, subdiv)
        zone = match["tz"] or _ZONES.get(country, "UTC")
        ZoneInfo(zone)
    except (NotImplementedError, KeyError, ValueError) as exc:
        raise CalendarError(f"business calendar '{name}': {exc}")
    opens, closes = _clock(match["start"]), _clock(match["end"])
    if closes <= opens:
        raise CalendarError(f"business calendar '{name}': working hours must end after they start")
    return BusinessCalendar(name, opens, closes, zone, country, subdiv)


def calendar_for(properties: dict) -> BusinessCalendar | WallClock | None:
    """The calendar named by the `businessCalendar` property, or None (wall-clock time)."""
    name = (properties or {}).get("businessCalendar")
    return calendar_named(name.strip()) if name else None


def due_after(properties: dict, start: datetime, duration: str) -> datetime:
    """`start` + `duration`, in the definition's business time when it names a calendar."""
    calendar = calendar_for(properties) or WallClock()
    return calendar.add(start, duration)
