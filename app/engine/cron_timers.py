"""Cycle timers on every catch event: ISO repeating intervals and cron lines, as Camunda writes them.

SpiffWorkflow 3.2's cycle timer only parses ISO `R/...` intervals (a cron `timeCycle` fails when the
event is reached), and it always repeats: each elapsed period spawns a new path from the waiting
event, which itself never completes. That is right for a non-interrupting boundary event (or
non-interrupting event subprocess), and wrong everywhere else: an interrupting boundary timer never
interrupted its activity and an intermediate catch event never let its token go.

Baton's rule: a cycle on a non-interrupting boundary event repeats as the library does; on any
other catch event the cycle's next occurrence fires the event once, like a date timer (a
non-interrupting event subprocess then re-arms a fresh listener, which goes on with the cycle).
A cron cycle's state is `{"cycles": -1, "cron": text, "next": iso}`; after each firing `next` is
the first occurrence after the later of the scheduled time and now, so a late worker skips the
missed occurrences instead of firing them in a burst, and an early one (the sweep's lookahead)
does not fire the same occurrence twice.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import SpiffWorkflow.bpmn.specs.event_definitions.timer as timer_library
from SpiffWorkflow.bpmn.parser.util import full_tag
from SpiffWorkflow.bpmn.specs.event_definitions.timer import CycleTimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent
from SpiffWorkflow.util.task import TaskState

from app.engine import cycles, timers
from app.engine.event_subprocess import listener_of

NEXT_KEY = "baton_cron_next:"  # on an event subprocess's parent task: its cron's next occurrence
LEFT_KEY = "baton_cycle_left:"  # ... and its ISO cycle's state (periods left, next due, period)
FIRE = "fire"  # in a cron cycle's state: the scheduler says this occurrence is due (Runner.fire_timer)
ANCHOR = "anchor"  # in an ISO cycle's state: the period the scheduler fired (elapse)


def _now() -> datetime:
    # The library's own clock, so a test that freezes it (tests/services/test_business_timers.py)
    # freezes cron and ISO cycles alike.
    return timer_library.datetime.now(UTC)


def _repeats(my_task) -> bool:
    # Only a non-interrupting boundary event spawns a path per period and keeps waiting. An event
    # subprocess start fires once; a non-interrupting one then arms a fresh listener
    # (app.engine.event_subprocess), so its handlers are work of their own, not of the listener.
    return isinstance(my_task.task_spec, BoundaryEvent) and not my_task.task_spec.cancel_activity


def _rearmed_after(my_task) -> str | None:
    """Where a re-armed event subprocess listener's cron left off (set when the last one fired)."""
    owner = listener_of(my_task)
    if owner is None or owner.parent is None:
        return None
    return owner.parent.internal_data.get(NEXT_KEY + owner.task_spec.name)


def _remember_next(my_task, value: dict) -> None:
    # The fresh listener would count from now: a firing the sweep ran early (it looks ahead)
    # would then fire the same occurrence again. An ISO cycle's would start over: its periods
    # off the grid, its count of repetitions from the full count, and a start date already past
    # due at once, firing and re-arming for ever.
    owner = listener_of(my_task)
    if owner is None or owner.parent is None:
        return
    if "cron" in value:
        owner.parent.internal_data[NEXT_KEY + owner.task_spec.name] = value["next"]
    else:
        owner.parent.internal_data[LEFT_KEY + owner.task_spec.name] = dict(value)


def _iso_left(my_task) -> dict | None:
    """Where a re-armed event subprocess listener's ISO cycle left off (set when the last one fired)."""
    owner = listener_of(my_task)
    if owner is None or owner.parent is None:
        return None
    left = owner.parent.internal_data.get(LEFT_KEY + owner.task_spec.name)
    return dict(left) if left is not None else None


def exhausted(value) -> bool:
    """Whether an ISO cycle's state has no period left (a re-armed listener that never fires again)."""
    return isinstance(value, dict) and "cron" not in value and value.get("cycles") == 0


class CronCycleTimerEventDefinition(CycleTimerEventDefinition):
    """A `timeCycle` that may be cron (5 fields, or Quartz 6-7 with seconds first) or ISO."""

    def cycle_complete(self, my_task):
        value = my_task._get_internal_data("event_value")
        if value is None and (value := _iso_left(my_task)) is not None:
            my_task._set_internal_data(event_value=value)  # (the library reads it from there)
        if value is None:
            text = self._cycle_text(my_task)
            if not timers.looks_like_cron(text):
                return self._iso_cycle_complete(my_task, cycles.parse(text, _now()))
            value = {"cycles": -1, "cron": text, "next": _first(text, _rearmed_after(my_task))}
        elif not (isinstance(value, dict) and "cron" in value):
            return self._iso_cycle_complete(my_task, value)  # ISO, or the start-event state Runner sets
        due, now = datetime.fromisoformat(value["next"]), _now()
        ready = bool(value.pop(FIRE, False)) or due <= now
        if ready:
            value["next"] = timers.cron_next(value["cron"], max(due, now)).isoformat()
        my_task._set_internal_data(event_value=value)
        return ready

    def _iso_cycle_complete(self, my_task, value) -> bool:
        if exhausted(value) and not _repeats(my_task):
            my_task._set_internal_data(event_value=value)
            return False  # (the library would mark it fired)
        # As the library's: an elapsed period fires once and the next is counted from it (from the
        # period fired, when elapse said); the periods are the calendar's (app.engine.cycles).
        anchor = value.pop(ANCHOR, None)
        ready = False
        if value["cycles"] != 0:
            due = datetime.fromisoformat(value["next"])
            if due < _now():
                base = datetime.fromisoformat(anchor) if anchor is not None else due
                value["next"] = cycles.advance(base, value).isoformat()
                value["cycles"] -= 1
                ready = True
        else:
            my_task.internal_data["event_fired"] = True
        my_task._set_internal_data(event_value=value)
        return ready

    def _cycle_text(self, my_task) -> str:
        text = (self.expression or "").strip()
        if timers.looks_like_cron(text):  # `0 0 6 ? * MON-FRI` is no expression in any dialect
            return text
        return str(my_task.workflow.script_engine.evaluate(my_task, self.expression)).strip()

    def has_fired(self, my_task):
        if _repeats(my_task) or my_task._get_internal_data("event_fired", False):
            return super().has_fired(my_task)
        if self.cycle_complete(my_task):
            my_task._set_internal_data(event_fired=True)
            _remember_next(my_task, my_task._get_internal_data("event_value"))
            _predict_path(my_task)
        return my_task._get_internal_data("event_fired", False)

    def update_task(self, my_task):
        if _repeats(my_task):  # only a repeating event spawns a path per period and keeps waiting
            super().update_task(my_task)


def _first(text: str, remembered: str | None) -> str:
    now = _now()
    if remembered and datetime.fromisoformat(remembered) > now:
        return remembered
    return timers.cron_next(text, now).isoformat()


def _predict_path(my_task) -> None:
    # The library never predicts the path after a cycle event (it adds one per period instead),
    # so an event that fires once gets its path here, as any other catch event has it.
    my_task._sync_children(my_task.task_spec.outputs, TaskState.FUTURE)
    for child in my_task.children:
        child.task_spec._predict(child, mask=TaskState.NOT_FINISHED_MASK)


def elapse(event_value: dict) -> None:
    """Make a waiting cycle's current period elapse now (the scheduler decided it is due)."""
    if "cron" in event_value:
        event_value[FIRE] = True
        return
    event_value[ANCHOR] = _elapsed_slot(event_value).isoformat()
    event_value["next"] = (_now() - timedelta(milliseconds=1)).isoformat()  # (fires strictly past)


def _elapsed_slot(event_value: dict) -> datetime:
    """The ISO cycle's latest period start at or before now, which the next period is counted from:
    the schedule keeps its first due time's grid however late the worker fires (R/PT1H from 09:00
    stays on the hour), and periods missed while nothing ran are one firing, as a timer start
    event's are (timers.next_start). Fired before its due time (by hand): now."""
    now, due = _now(), datetime.fromisoformat(event_value["next"])
    return cycles.latest(due, now, event_value) if due <= now else now


def _timer_parser(base):
    class CronTimerParser(base):
        def parse_timer_event(self, event):
            parsed = super().parse_timer_event(event)
            if type(parsed) is not CycleTimerEventDefinition:
                return parsed
            return CronCycleTimerEventDefinition(
                parsed.name, parsed.expression, description=parsed.description
            )

    return CronTimerParser


def parser_overrides(classes: dict) -> dict:
    """Wrap the catch event parsers so every timeCycle becomes a CronCycleTimerEventDefinition."""
    tags = ("startEvent", "intermediateCatchEvent", "boundaryEvent")
    return {full_tag(t): (_timer_parser(classes[full_tag(t)][0]), classes[full_tag(t)][1]) for t in tags}
