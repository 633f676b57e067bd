"""ISO 8601 repeating intervals (`R5/2026-01-01T09:00:00@Europe/Berlin/P1M`) stepped on the calendar.

SpiffWorkflow turned a cycle's period into a fixed number of seconds, that of its first period, and
repeated it: `R/2026-01-01T09:00Z/P1M` fired on February 1, then March 4, April 4, May 5; a
`P1D` cycle in Europe/Berlin moved an hour at each daylight-saving change; and a start naming its
zone (`@Europe/Berlin`) was no cycle at all (the library upper-cased the zone's name).

Here each occurrence is the one before plus the period, added as Camunda 7 adds it: years,
months, weeks and days on the calendar, at the same wall-clock time in the start's zone (a month
from January 31 is February 28); hours, minutes and seconds as elapsed time. The zone is the one
the start names, else its fixed offset, else (no offset, or no start at all) the server's local
zone, as Camunda 7 uses the JVM's.

A cycle's state keeps its period's text and zone (`period`, `zone`) beside the seconds the library
kept (`duration`); a state saved before has only the seconds, and goes on with them.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from dateutil.tz import tzlocal
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from app.engine import timer_faults

LOCAL = "local"  # the zone key of a start without an offset: the server's local zone
# R<n>/<start>/<period>, R<n>/<period>, R<n>/<period>/<end>: a zone name may hold '/' (and `/P`).
_CYCLE = re.compile(r"[Rr](?P<n>\d*)/(?:(?P<start>.+?)/)?(?P<period>[Pp][\dTt][^/]*)(?:/(?P<end>.+))?")
_ZONE = re.compile(r".*(?:@(?P<at>[\w/+\-]+)|\[(?P<bracket>[\w/+\-]+)\])")
_CALENDAR = ("years", "months", "weeks", "days")


def parse(text: str, now: datetime | None = None) -> dict:
    """The state of a cycle before its first occurrence: {"cycles", "next", "duration", "period",
    "zone"} ("cycles" -1 repeats without end; "next" is the first occurrence, ISO text in UTC).
    Raises ValueError naming what is wrong."""
    match = _CYCLE.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"{text!r} is not a repeating interval R<n>/[<start>/]<period>")
    period = match["period"].upper()
    zone: str | None = LOCAL
    _check_period(period)
    if match["start"] is not None:
        first, zone = _start(match["start"])
    elif match["end"] is not None:  # (rare: counted back from the end, as the library does)
        _, first, _ = TimerEventDefinition.parse_iso_recurring_interval(text)
    else:  # (one period from now, as the library counts it)
        first = step(now or datetime.now(UTC), period, zone)
    seconds = (step(first, period, zone) - first).total_seconds()
    if seconds <= 0:
        raise ValueError(f"a cycle's period must be longer than nothing, not {period!r}")
    cycles = int(match["n"]) if match["n"] else -1
    return {"cycles": cycles, "next": first.isoformat(), "duration": seconds, "period": period, "zone": zone}


def step(moment: datetime, period: str, zone: str | None) -> datetime:
    """`moment` plus one `period`: its calendar part at the same wall-clock time in `zone`."""
    parts = TimerEventDefinition.parse_iso_duration(period)
    calendar = {k: parts.pop(k) for k in _CALENDAR if k in parts}
    if calendar:
        tz = _tz(zone)
        wall = moment.astimezone(tz).replace(tzinfo=None)
        moment = (wall + _calendar_delta(calendar, wall)).replace(tzinfo=tz)
    return moment.astimezone(UTC) + timedelta(**parts)


def advance(moment: datetime, state: dict) -> datetime:
    """The occurrence after `moment` by a cycle's state (its seconds when saved before periods)."""
    if state.get("period"):
        return step(moment, state["period"], state.get("zone"))
    return moment + timedelta(seconds=state["duration"])


def latest(due: datetime, now: datetime, state: dict) -> datetime:
    """The last occurrence of the schedule through `due` that is at or before `now` (`due` itself
    when that is later: fired early, by hand)."""
    if not state.get("period") or not _has_calendar(state["period"]):
        period = timedelta(seconds=state.get("duration") or 0)
        return due + period * ((now - due) // period) if period and due <= now else due
    while (following := advance(due, state)) <= now:
        due = following
    return due


def first_after(due: datetime, after: datetime, state: dict) -> datetime:
    """The first occurrence of the schedule through `due` strictly after `after`."""
    return due if due > after else advance(latest(due, after, state), state)


def _start(text: str) -> tuple[datetime, str | None]:
    zoned = _ZONE.fullmatch(text.strip())
    moment = timer_faults.get_datetime(text.strip())  # (with a zone's name too)
    if zoned is not None:
        return moment, zoned["at"] or zoned["bracket"]
    stated = datetime.fromisoformat(text.strip()).utcoffset()  # (a week date `2026-W01-1` has none)
    if stated is None:
        return moment, LOCAL
    return moment, None if not stated else _offset_key(stated)


def _offset_key(offset: timedelta) -> str:
    minutes = int(offset.total_seconds() // 60)
    sign, minutes = ("+" if minutes >= 0 else "-"), abs(minutes)
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def _tz(zone: str | None) -> tzinfo:
    if zone is None:
        return UTC
    if zone == LOCAL:
        return tzlocal()
    if zone[0] in "+-":
        hours, minutes = zone[1:].split(":")
        offset = timedelta(hours=int(hours), minutes=int(minutes))
        return timezone(offset if zone[0] == "+" else -offset)
    return ZoneInfo(zone)


def _calendar_delta(calendar: dict, wall: datetime) -> relativedelta | timedelta:
    if all(float(v).is_integer() for v in calendar.values()):
        return relativedelta(**{k: int(v) for k, v in calendar.items()})
    return TimerEventDefinition.get_timedelta_from_start(dict(calendar), wall)  # (P1.5M: as the library)


def _has_calendar(period: str) -> bool:
    return any(k in _CALENDAR for k in TimerEventDefinition.parse_iso_duration(period))


def _check_period(period: str) -> None:
    try:
        TimerEventDefinition.parse_iso_duration(period)
    except Exception as exc:  # the library raises a bare Exception("Invalid duration")
        raise ValueError(f"{period!r} is not an ISO 8601 duration") from exc
