"""Which catch event takes a BPMN error or escalation: the innermost scope around its thrower.

SpiffWorkflow 3.2 hands a thrown error or escalation to every waiting catch event of the thrower's
(sub)process that matches its code, and, when none does there, to those of each enclosing process,
and at the top to any matching one anywhere. So an error thrown by a service task inside a
sub-process was taken by an error boundary event on a task of a parallel branch (which is no scope
of the thrower) instead of the sub-process's own boundary event; and an activity with both a
catch-all error boundary event and one for the error's code took both paths, two tokens.

BPMN 2.0 (10.5.5) and Camunda (7 and 8) propagate the event outwards from the thrower, scope by
scope: the boundary events of the throwing activity, then the event subprocesses of the process it
is in, then the boundary events of the sub-process or call activity around that process, and so
on. The first scope with a matching catch event takes it, and in that scope an event naming the
code is preferred over a catch-all one (no errorRef, or an error with no code).
"""

from __future__ import annotations

from copy import deepcopy

from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent
from SpiffWorkflow.bpmn.util.event import BpmnEvent

from app.engine.interrupted import attached_activities

THROWER = "baton_thrower"  # attribute of a BpmnEvent: the task that threw it


def throw(definition, my_task) -> None:
    """CodeEventDefinition.throw (error and escalation throw and end events), its thrower named."""
    event = BpmnEvent(definition, payload=deepcopy(my_task.data), target=my_task.workflow)
    catch_from(my_task, event)


def catch_from(thrower, event) -> int:
    """Let the innermost scope around `thrower` that has a matching catch event take `event`."""
    setattr(event, THROWER, thrower)
    return thrower.workflow.top_workflow.event_manager.catch(event)


def scoped_catch(manager, event, internal: bool = True) -> int | None:
    """EventManager.catch for a thrown error or escalation; None for any other event."""
    thrower = getattr(event, THROWER, None)
    if thrower is None:
        return None
    catchers = [t for t in manager.tasks.values() if t.task_spec.event_definition.catches(t, event)]
    chosen = _innermost(thrower, catchers) if catchers else []
    for task in chosen:
        task.task_spec.catch(task, event)
        task.task_spec._update(task)
    if not chosen and internal:
        manager.workflow.bpmn_events.append(event)  # uncaught: the thrower's caller decides
    return len(chosen)


def _innermost(thrower, catchers: list) -> list:
    by_activity: dict = {}
    by_process: dict = {}
    for task in catchers:
        if isinstance(task.task_spec, BoundaryEvent):
            by_activity.setdefault(_attached_to(task), []).append(task)
        else:  # an event subprocess's start event: it listens in the process around its subprocess
            by_process.setdefault(_listening_in(task), []).append(task)
    for kind, scope in _scopes(thrower):
        found = by_activity.get(scope.id) if kind == "activity" else by_process.get(id(scope))
        if found:
            return [t for t in found if t.task_spec.event_definition.code is not None] or found
    return []


def _scopes(thrower):
    """("activity", task) and ("process", workflow) around `thrower`, innermost first."""
    task = thrower
    while task is not None:
        workflow = task.workflow
        while task is not None:  # the thrower and the activities it runs inside (a multi-instance)
            yield "activity", task
            task = task.parent
        yield "process", workflow
        owner = workflow.parent_task_id
        task = workflow.top_workflow.get_task_from_id(owner) if owner is not None else None


def _attached_to(boundary):
    main = attached_activities(boundary)
    return main[0].id if main else None


def _listening_in(start):
    from app.engine.event_subprocess import listener_of

    listener = listener_of(start)
    return id(listener.workflow if listener is not None else start.workflow)
