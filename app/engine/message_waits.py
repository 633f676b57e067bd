"""Which waits a correlated message reaches: one, as Camunda 7's correlate(), or each matching one,
as its correlateAll() (Baton's all=true).

SpiffWorkflow's catch hands an event to every waiting task that matches it, so one message
completed every wait for it in an instance (parallel branches, a multi-instance receive task).
Here the waits are counted as Camunda counts executions:
- an event-based gateway is one wait, whichever of its events the message is;
- an activity with its boundary events is one wait (the split above them), and one of them catches;
- a listening event subprocess is not counted: its message start event catches every message
  for it beside the wait the message reaches, as it did before correlation counted waits.
A Camunda 8 correlation key narrows the waits, listeners too, to those whose zeebe:subscription
gave that key. Correlation values narrow the waits (not the listeners, whose data is what it was
when they began listening) to those whose own variables hold them, when some do; when none does,
the instance's variables hold them (the service matched those), and every wait does. Local
correlation values (Camunda 7's localCorrelationKeys) are strict: only the waits whose own
variables hold them (a multi-instance receive's element variable, an activity's inputs) are
reached, and with none the message reaches nothing here, its listeners neither.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from SpiffWorkflow.bpmn.specs.control import BoundaryEventSplit
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition

from app.engine.errors import AmbiguousMessage
from app.engine.event_subprocess import EventSubprocessStart
from app.engine.messages import correlation_key
from app.engine.reports import awaited
from app.engine.scope import task_variables


@dataclass(frozen=True)
class Correlation:
    """What narrows a message's waits within one instance, and whether it may reach several."""

    key: str | None = None  # a Camunda 8 correlation key
    values: Mapping = field(default_factory=dict)  # variable -> JSON scalar
    all: bool = False
    local: Mapping = field(default_factory=dict)  # a wait's own variable -> JSON scalar


def awaited_definition(workflow, name: str):
    """The definition of a waiting catch of message `name` (to make the event from); None if none."""
    waits = (d for t in list(workflow.event_manager.tasks.values()) for d, _ in awaited(t))
    return next((d for d in waits if isinstance(d, MessageEventDefinition) and d.name == name), None)


def reached(workflow, event, correlation: Correlation) -> list:
    """The waiting tasks `event` is for: one wait (or each, with all), and the listening event
    subprocesses. AmbiguousMessage when it matches several waits and all was not asked for."""
    name = event.event_definition.name
    tasks = [t for t in list(workflow.event_manager.tasks.values()) if t.task_spec.catches(t, event)]
    if correlation.key is not None:
        tasks = [t for t in tasks if correlation.key in _keys(t, name)]
    listeners = [t for t in tasks if isinstance(t.task_spec, EventSubprocessStart)]
    waits = [t for t in tasks if t not in listeners and _holds(correlation.local, t)]
    if not waits and correlation.local:
        return []
    one_each = _one_each(_holding(correlation.values, waits))
    if len(one_each) > 1 and not correlation.all:
        raise AmbiguousMessage(name, len(one_each), sorted({_element(t, name) for t in one_each}))
    return [t for t in tasks if t in one_each or t in listeners]


def catch(workflow, event, tasks: list) -> int:
    """Hand `event` to `tasks`, as the library's event manager does to every task that catches it."""
    workflow.event_manager.update_collaboration(event)
    for task in tasks:
        task.task_spec.catch(task, event)
        task.task_spec._update(task)
    return len(tasks)


def _keys(task, name: str) -> set:
    """The correlation keys a task waits for message `name` with (an event gateway's events each)."""
    return {correlation_key(task, d) for d, _ in awaited(task) if _is_message(d, name)}


def _element(task, name: str) -> str:
    """The element that waits for `name`: after an event gateway, its catch event."""
    return next(element for d, element in awaited(task) if _is_message(d, name))


def _is_message(definition, name: str) -> bool:
    return isinstance(definition, MessageEventDefinition) and definition.name == name


def _one_each(tasks: list) -> list:
    """The first task of each wait among `tasks`: of an activity's boundary events, one catches."""
    first: dict = {}
    for task in tasks:
        first.setdefault(_wait_of(task), task)
    return list(first.values())


def _wait_of(task):
    """What a task waits as: an activity's boundary events and the activity are one wait."""
    parent = task.parent
    return parent.id if parent is not None and isinstance(parent.task_spec, BoundaryEventSplit) else task.id


def _holding(values: Mapping, tasks: list) -> list:
    """The tasks whose own variables hold `values`; all of them when none does (or none is given)."""
    if not values:
        return tasks
    holding = [t for t in tasks if _holds(values, t)]
    return holding or tasks


def _holds(values: Mapping, task) -> bool:
    """The task's own variables hold every one of `values` (none given: it holds them)."""
    if not values:
        return True
    seen = task_variables(task)
    return all(_same(seen, key, value) for key, value in values.items())


def _same(variables: Mapping, key: str, value) -> bool:
    """`variables[key]` is the JSON value `value`: of the same JSON type, numbers by value."""
    if key not in variables:
        return False
    held = variables[key]
    if isinstance(value, bool) or isinstance(held, bool) or value is None or held is None:
        return held is value
    if isinstance(value, int | float) and isinstance(held, int | float):
        return held == value
    return type(held) is type(value) and held == value
