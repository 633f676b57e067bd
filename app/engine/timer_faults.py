"""A timer whose expression gives no date, duration or cycle fails its event as an incident.

The library evaluated a timer's expression and parsed the value while updating the event: a value
that did not parse (`soon`, `5`) escaped as a bare error (a 500, or a worker step lost), and one
whose expression failed left the event in no state a retry could find. Now the event is failed
(ERROR), its cached value dropped, and the error names the timer and the value it got; a retry
(`Runner.retry`) makes it wait again with the corrected variables. A date and time may name its
zone (`2025-01-31T09:00:00@Europe/Berlin` as FEEL writes it, `...+01:00[Europe/Berlin]` as Zeebe).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    DurationTimerEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState

ORIGINAL_UPDATE_HOOK = CatchingEvent.__dict__["_update_hook"]
ORIGINAL_GET_DATETIME = TimerEventDefinition.get_datetime
ORIGINAL_PARSE = TimerEventDefinition.parse_time_or_duration
# A date and time with a zone id: FEEL's `...T09:00:00@Europe/Berlin`, Zeebe's `...+01:00[Europe/Berlin]`.
_ZONED = re.compile(r"(?P<stamp>[^@\[\]]+)(?:@(?P<at>[\w/+\-]+)|\[(?P<bracket>[\w/+\-]+)\])")
_EXAMPLES = {"date": "2025-01-31T09:00:00Z", "duration": "PT4H", "cycle": "R3/PT10M"}


def catching_update_hook(self, my_task):
    try:
        return ORIGINAL_UPDATE_HOOK(self, my_task)
    except Exception as exc:
        if not isinstance(self.event_definition, TimerEventDefinition):
            raise
        raise _failed(self.event_definition, my_task, exc) from exc


def get_datetime(expression):
    """The library's, plus a zone id (the library read `@Europe/Berlin` as no date at all)."""
    match = _ZONED.fullmatch(expression.strip()) if isinstance(expression, str) else None
    if match is None:
        return ORIGINAL_GET_DATETIME(expression)
    moment = datetime.fromisoformat(match["stamp"])
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(match["at"] or match["bracket"]))
    return moment.astimezone(UTC)


def parse_time_or_duration(expression):
    # The library takes any text with a W in it for a week date: `[America/New_York]` too.
    if isinstance(expression, str) and _ZONED.fullmatch(expression.strip()):
        return get_datetime(expression)
    return ORIGINAL_PARSE(expression)


def is_timer(task) -> bool:
    return isinstance(getattr(task.task_spec, "event_definition", None), TimerEventDefinition)


def wait_again(task) -> None:
    """Make a failed timer event wait again, its value evaluated afresh with the task's data (the
    library's update would first inherit its parent's data, the wrong values the retry corrects)."""
    task._set_state(TaskState.WAITING)
    definition = task.task_spec.event_definition
    try:
        fired = definition.has_fired(task)
        if not fired:
            task.workflow.top_workflow.event_manager.add_task(task)
            definition.update_task(task)
    except Exception as exc:
        raise _failed(definition, task, exc) from exc
    if fired:
        task._ready()


def _failed(definition, my_task, exc: Exception) -> WorkflowTaskException:
    my_task.internal_data.pop("event_value", None)
    my_task._set_state(TaskState.ERROR)
    if isinstance(exc, SpiffWorkflowException):
        message = str(exc.args[0]) if exc.args else str(exc)
    else:
        message = _value_message(definition, my_task)
    return WorkflowTaskException(message, task=my_task)


def _value_message(definition, my_task) -> str:
    kind = _kind(definition)
    tag = {"date": "timeDate", "duration": "timeDuration", "cycle": "timeCycle"}[kind]
    try:
        value = my_task.workflow.script_engine.evaluate(my_task, definition.expression)
    except Exception:  # noqa: BLE001 - the value is only quoted; the failure is reported either way
        value = definition.expression
    return (
        f"timer {tag} {definition.expression!r} gave {value!r}, which is not an ISO 8601 {kind} "
        f"(e.g. {_EXAMPLES[kind]})"
    )


def _kind(definition) -> str:
    if isinstance(definition, CycleTimerEventDefinition):
        return "cycle"
    return "duration" if isinstance(definition, DurationTimerEventDefinition) else "date"
