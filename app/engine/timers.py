"""Timer arithmetic: when a waiting timer is due, and when a timer start event fires next.

SpiffWorkflow keeps a waiting timer's target in the task's internal `event_value`; the scheduler
needs it as a datetime to store in an indexed column. Timer start events are scheduled by Baton
itself (SpiffWorkflow has no scheduler): ISO 8601 dates, durations, repeating intervals
(`R3/PT10S`, `R/2025-01-01T08:00:00Z/P1D`) and cron lines (5 fields, or Quartz's 6-7 with seconds
first, as Camunda writes them).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from croniter import croniter
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    DurationTimerEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.util.task import TaskState

from app.engine import cycles as _cycles
from app.engine import expressions
from app.engine.expression_errors import ExpressionError


def timer_due(definition, event_value) -> tuple[datetime | None, str]:
    """(due datetime in UTC or None if not yet computed, kind) of a waiting timer task."""
    if isinstance(definition, CycleTimerEventDefinition):
        due = datetime.fromisoformat(event_value["next"]) if isinstance(event_value, dict) else None
        return due, "cycle"
    if event_value is None:
        return None, "duration" if isinstance(definition, DurationTimerEventDefinition) else "date"
    if isinstance(definition, DurationTimerEventDefinition):
        return TimerEventDefinition.get_datetime(event_value), "duration"
    return TimerEventDefinition.parse_time_or_duration(str(event_value)), "date"


def literal(expression: str) -> str:
    """A timer expression evaluated with no variables (start events have none yet)."""
    text = expression.strip()
    try:
        return str(expressions.evaluate(text, {}))
    except ExpressionError:
        if is_cron(text):  # Quartz lines such as `0 0 6 ? * MON-FRI` are no expression in any dialect
            return text
        raise


# Written as an ISO 8601 duration, cycle or date (`PT5M`, `R3/PT10S`, `2025-01-01`), whether or not
# it is one: such text is meant literally, and is checked as such rather than run as Python.
_ISO_SHAPED = re.compile(r"^(P[\dT]|R\d*(/|$)|\d{4}-\d)")


def check_iso_literal(kind: str, text: str) -> None:
    """Raise ValueError when `text`, written as an unquoted ISO 8601 value, is not a valid one of
    the timer's kind (date, duration, cycle). Expressions and cron lines are checked elsewhere."""
    text = text.strip()
    dialect = expressions.dialect_of(text)
    if dialect in ("juel", "feel") or looks_like_cron(text):
        return
    if dialect == "python" and not _ISO_SHAPED.match(text):
        return  # an expression (a variable, a call), checked as one
    parse = {
        "date": TimerEventDefinition.parse_time_or_duration,
        "duration": TimerEventDefinition.parse_iso_duration,
        "cycle": _cycles.parse,
    }[kind]
    try:
        parse(text)
    except Exception as exc:  # the library raises bare Exceptions ("Invalid duration")
        example = {"date": "2025-01-31T09:00:00Z", "duration": "PT5M, P2D", "cycle": "R3/PT10S"}[kind]
        raise ValueError(f"{text!r} is not a valid ISO 8601 {kind} (e.g. {example}): {exc}") from exc


def is_cron(text: str) -> bool:
    return len(text.split()) >= 5


# A cron field: digits and cron punctuation, or three-letter month/day names (MON-FRI, JAN,JUL).
_CRON_FIELD = re.compile(r"^(?:[\d*?/,#LW-]|[A-Za-z]{3})+$")


def looks_like_cron(text: str) -> bool:
    """5 to 7 cron-shaped fields: meant as cron (valid or not), not as an expression or ISO text."""
    fields = text.split()
    return 5 <= len(fields) <= 7 and all(_CRON_FIELD.match(f) for f in fields)


def check_cron(text: str) -> None:
    """Raise ValueError naming what is wrong when `text` is not a cron line croniter can schedule."""
    try:
        _cron(text, datetime(2000, 1, 1, tzinfo=UTC))
    except (ValueError, KeyError, TypeError) as exc:  # croniter's errors subclass ValueError
        raise ValueError(f"{text!r} is not a valid cron line: {exc}") from exc


def cron_next(text: str, after: datetime) -> datetime:
    """The first occurrence of cron line `text` strictly after `after` (UTC)."""
    return _cron(text, after)


def _cron(text: str, after: datetime) -> datetime:
    fields = text.split()
    if len(fields) >= 6:  # Quartz: seconds first, optional year last, '?' for "no value"
        fields = [f.replace("?", "*") for f in fields[:6]]
        return croniter(" ".join(fields), after, second_at_beginning=True).get_next(datetime)
    return croniter(text, after).get_next(datetime)


def first_start(kind: str, expression: str, now: datetime | None = None) -> tuple[datetime | None, dict]:
    """When a timer start event first fires, and the state its later firings need."""
    now = now or datetime.now(UTC)
    text = literal(expression)
    if kind == "date":
        return TimerEventDefinition.get_datetime(text), {}
    if kind == "duration":
        parsed = TimerEventDefinition.parse_iso_duration(text)
        return now + TimerEventDefinition.get_timedelta_from_start(parsed, now), {}
    if is_cron(text):
        return _cron(text, now), {"cron": text}
    state = _cycles.parse(text, now)
    if state["cycles"] == 0:
        return None, {}
    start = datetime.fromisoformat(state["next"])
    return max(start, now), {"cycles": state["cycles"], "seconds": state["duration"], **_period(state)}


def next_start(due: datetime, state: dict, now: datetime | None = None) -> tuple[datetime | None, dict]:
    """After a firing scheduled at `due`, the next one (None when a bounded cycle is used up).

    A firing late by several periods (the server was down) was the one firing of all it missed, as
    in Camunda: the next is the schedule's first occurrence after now, not the next missed one. A
    bounded cycle counts firings, so a missed run of periods uses up one of its repetitions.
    """
    after = max(due, now or datetime.now(UTC))
    if "cron" in state:
        return _cron(state["cron"], after), state
    cycles = state.get("cycles", 0)
    if cycles in (0, 1):
        return None, state
    remaining = cycles - 1 if cycles > 0 else cycles
    schedule = {"duration": state["seconds"], **_period(state)}  # (a state saved before: seconds only)
    return _cycles.first_after(due, after, schedule), {**state, "cycles": remaining}


def _period(state: dict) -> dict:
    return {k: state[k] for k in ("period", "zone") if k in state}


def duration_seconds(text: str) -> float:
    """An ISO 8601 duration (`PT10S`) in seconds, counted from now."""
    parsed = TimerEventDefinition.parse_iso_duration(text)
    return TimerEventDefinition.get_timedelta_from_start(parsed).total_seconds()


def retry_schedule(text: str) -> list[float] | None:
    """camunda:failedJobRetryTimeCycle as the seconds to wait before each retry, or None for an
    expression (not evaluated: the defaults apply). `R3/PT10S` is three attempts ([10, 10]); a list
    `PT1M,PT5M`, as Camunda 7 takes, waits each interval in turn (three attempts). ValueError
    names what is wrong with anything else."""
    text = text.strip()
    if expressions.dialect_of(text) in ("juel", "feel"):
        return None
    repeat = re.fullmatch(r"R(\d+)/(P\S+)", text, re.IGNORECASE)
    try:
        if repeat:
            return [_retry_interval(repeat.group(2))] * max(0, int(repeat.group(1)) - 1)
        return [_retry_interval(interval) for interval in text.split(",")]
    except Exception as exc:  # the library raises bare Exceptions ("Invalid duration")
        raise ValueError(
            f"{text!r} is neither Rn/<duration> (e.g. R3/PT10M) nor a list of durations (PT1M,PT10M): {exc}"
        ) from exc


def _retry_interval(text: str) -> float:
    text = text.strip()
    if not re.fullmatch(r"P[\dT.YMWDHS]+", text, re.IGNORECASE):  # the library reads `R/PT1M` as PT1M
        raise ValueError(f"{text!r} is not an ISO 8601 duration")
    return duration_seconds(text)


BUSINESS_DUE = "baton_business_due"  # internal-data mark: this timer's target is in business time


def business_due(clock, wall_due: datetime, duration: str) -> datetime:
    """A duration timer's due time counted on `clock` (a business calendar), from the wall-clock due.

    The library set `wall_due` to start + duration, so the start is recovered exactly, and stays
    the same however often the due time is recomputed.
    """
    start = wall_due - timedelta(seconds=duration_seconds(duration))
    return clock.add(start, duration)


def count_in_business_time(workflow, clock) -> None:
    """Give each newly waiting duration timer its due time in `clock`'s business hours.

    The library would fire a timer on any step after start + duration on the wall clock; moving the
    target itself keeps the library, the timer row (timer_due) and Runner.fire_timer in agreement.
    A timer standing alone and one raced after an event-based gateway are counted alike.
    """
    for task in list(workflow.event_manager.tasks.values()):
        definition = _duration_timer_of(task)
        data = task.internal_data
        if definition is None or task.state != TaskState.WAITING:
            continue
        if data.get(BUSINESS_DUE) or data.get("event_value") is None or data.get("event_fired"):
            continue
        data[BUSINESS_DUE] = True
        due = _business_target(task, definition, clock)
        if due is not None:
            data["event_value"] = due.isoformat()


def _duration_timer_of(task):
    """The duration timer a waiting task waits for, or None: its own, or one of its multiple event's
    (the library hands the events of the catch events after an event-based gateway to the gateway,
    which keeps the timer's target in its own internal data)."""
    definition = getattr(task.task_spec, "event_definition", None)
    found = [definition, *(getattr(definition, "event_definitions", None) or ())]
    return next((d for d in found if isinstance(d, DurationTimerEventDefinition)), None)


def _business_target(task, definition, clock) -> datetime | None:
    text = str(task.workflow.script_engine.evaluate(task, definition.expression))
    try:
        return business_due(clock, TimerEventDefinition.get_datetime(task.internal_data["event_value"]), text)
    except ValueError:  # years or months have no business meaning: the wall clock counts them
        return None


def uses_jobs(spec, subprocess_specs: dict) -> bool:
    """Whether a process, or one it calls, has a timer event or a service task: a step of one
    with neither never leaves a timer or service job behind, so it need not look for any. (A
    process it calls is bound when reached: any call activity may lead to one.)"""
    from app.engine.call_activity import calls_processes
    from app.engine.specs import BatonServiceTask

    if calls_processes(spec, subprocess_specs):
        return True
    for process in (spec, *subprocess_specs.values()):
        for task_spec in process.task_specs.values():
            if isinstance(task_spec, BatonServiceTask) or _has_timer(
                getattr(task_spec, "event_definition", None)
            ):
                return True
    return False


def _has_timer(definition) -> bool:
    if isinstance(definition, TimerEventDefinition):
        return True
    return any(_has_timer(d) for d in getattr(definition, "event_definitions", None) or ())
