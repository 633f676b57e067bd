"""What a step reports: the rows it leaves (history, user tasks, waits, service calls) and the
result the services save. Read from a workflow's tasks; only history marks what it logged."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import SignalEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent, EventBasedGateway
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask
from SpiffWorkflow.util.task import TaskState

from app.engine import state as live
from app.engine.cron_timers import exhausted
from app.engine.errors import StepError
from app.engine.event_subprocess import listening_task_ids
from app.engine.messages import correlation_key
from app.engine.timers import timer_due

REACHED = TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.ERROR


@dataclass
class HistoryRecord:
    task_id: object
    element_id: str
    element_type: str
    name: str | None
    state: str
    entered_at: datetime | None
    exited_at: datetime | None
    completed_by: str | None


@dataclass
class ReadyUserTask:
    task_id: object
    element_id: str
    name: str | None
    data: dict


@dataclass
class WaitingMessage:
    task_id: object
    element_id: str
    message_name: str
    kind: str = "message"  # or "signal": a signal's name
    correlation_key: str | None = None  # what its zeebe:subscription correlationKey gave


@dataclass
class ServiceCall:
    """A STARTED service/send task waiting for its handler to run in a worker."""

    task_id: object
    element_id: str
    data: dict


@dataclass
class WaitingTimer:
    task_id: object
    element_id: str
    due: datetime | None
    kind: str  # date | duration | cycle
    start_event: bool = False


@dataclass
class StepResult:
    status: str
    variables: dict
    active_elements: list[str]
    user_tasks: list[ReadyUserTask]
    messages: list[WaitingMessage]
    history: list[HistoryRecord]
    state: str | None
    waiting_timers: list = field(default_factory=list)
    service_tasks: list = field(default_factory=list)
    signals: list = field(default_factory=list)  # (name, variables carried) of each signal thrown
    error: StepError | None = None
    # Whether the loaded state was waiting for messages or signals: if not, it has no subscription
    # rows to clear.
    had_message_waits: bool = False
    elements: Mapping | None = None  # Runner.elements: the extensions of what the step ran


def loggable(task) -> bool:
    """Whether a task is history not yet written: completed, or cancelled after it was entered."""
    if not task.task_spec.bpmn_id or task.internal_data.get(live.LOGGED):
        return False
    if task.state == TaskState.COMPLETED:
        return True
    return task.state == TaskState.CANCELLED and live.ENTERED in task.internal_data


def record(task) -> HistoryRecord:
    """The history row of a finished task, marked as logged so the next step does not repeat it."""
    task.internal_data[live.LOGGED] = True
    spec = task.task_spec
    return HistoryRecord(
        task.id,
        spec.bpmn_id,
        element_type(spec),
        element_name(task),
        TaskState.get_name(task.state).lower(),
        _ts(task.internal_data.get(live.ENTERED)),
        _ts(task.last_state_change),
        task.internal_data.get(live.ACTOR),
    )


def open_records(workflow) -> list[HistoryRecord]:
    """What the instance is in now and has not finished, for its history: waiting events, service
    tasks, running call activities and multi-instance bodies (active), what failed (failed).
    Not user tasks (their rows say more), not boundary events or listening event subprocesses
    (nothing has happened there yet). Reads the state; changes nothing."""
    listening = listening_task_ids(workflow)
    return [
        _open_record(task)
        for wf in live.all_workflows(workflow)
        for task in wf.tasks.values()
        if _is_open(task) and task.id not in listening
    ]


def _is_open(task) -> bool:
    spec = task.task_spec
    return bool(
        task.has_state(REACHED) and spec.bpmn_id and not spec.manual and not isinstance(spec, BoundaryEvent)
    )


def _open_record(task) -> HistoryRecord:
    spec = task.task_spec
    state = "failed" if task.state == TaskState.ERROR else "active"
    entered = _ts(task.internal_data.get(live.ENTERED) or task.last_state_change)
    return HistoryRecord(
        task.id, spec.bpmn_id, element_type(spec), element_name(task), state, entered, None, None
    )


def waiting_messages(workflow) -> list[WaitingMessage]:
    """The messages and signals the workflow waits for (a signal's kind says so)."""
    return [
        WaitingMessage(
            task.id, element_id, definition.name, _kind(definition), correlation_key(task, definition)
        )
        for task, definition, element_id in _waiting(workflow, _CATCHABLE)
    ]


_CATCHABLE = (MessageEventDefinition, SignalEventDefinition)


def _kind(definition) -> str:
    return "signal" if isinstance(definition, SignalEventDefinition) else "message"


def waiting_timers(workflow) -> list[WaitingTimer]:
    out = []
    for task, definition, element_id in _waiting(workflow, TimerEventDefinition):
        if exhausted(task.internal_data.get("event_value")):
            continue  # an event subprocess's cycle whose repetitions are all done: due never
        due, kind = timer_due(definition, task.internal_data.get("event_value"))
        out.append(WaitingTimer(task.id, element_id, due, kind, is_start(task)))
    return out


def _waiting(workflow, kind) -> list:
    found: list[tuple] = []
    for task in workflow.event_manager.tasks.values():
        if task.state == TaskState.WAITING:
            found.extend((task, d, element_id) for d, element_id in awaited(task) if isinstance(d, kind))
    return found


def awaited(task) -> list[tuple]:
    """What a waiting task waits for: (event definition, the element that catches it).

    SpiffWorkflow moves the events of the catch events after an event-based gateway onto the
    gateway (one multiple definition, in the order of its flows): each is named by its catch event.
    """
    spec = task.task_spec
    definition = getattr(spec, "event_definition", None)
    if not isinstance(definition, MultipleEventDefinition):
        return [(definition, spec.bpmn_id)] if definition is not None else []
    if isinstance(spec, EventBasedGateway):
        return [(d, out.bpmn_id) for d, out in zip(definition.event_definitions, spec.outputs, strict=False)]
    return [(d, spec.bpmn_id) for d in definition.event_definitions]


def element_type(spec) -> str:
    """The BPMN type of a task's element (`userTask`, `exclusiveGateway`), as the parser tagged it;
    a spec the parser did not make (none is logged today) is named after its class."""
    found = getattr(spec, "element_type", None)
    if found is None:
        name = spec.__class__.__name__
        found = name[:1].lower() + name[1:]
    return found


def element_name(task) -> str | None:
    """The element's name. A loop or multi-instance body is the element too, but the parser gives
    its name to the instances' spec only: the body's history row takes it from there."""
    spec = task.task_spec
    if spec.bpmn_name or not isinstance(spec, LoopTask):
        return spec.bpmn_name
    return getattr(task.workflow.spec.task_specs.get(spec.task_spec), "bpmn_name", None)


def is_start(task) -> bool:
    return task.task_spec.__class__.__name__ == "StartEvent"


def _ts(value: float | None) -> datetime | None:
    return datetime.fromtimestamp(value, UTC) if value else None
