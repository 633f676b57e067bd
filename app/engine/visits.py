"""The visit cap: an activity with the property maxVisits=N may become ready N times per instance.

The next visit throws the BPMN escalation `maxVisits` from that activity, so a boundary escalation
event on it can take the modelled path (for example, to a scrap decision) instead of looping again.
Waiting activities (user tasks) are counted when the engine settles (`enforce`); engine tasks
(scripts, business rules) just before they run (`before_run`), since they are never seen ready.
Counts live in the top workflow's data, which survives the pruning of finished tasks.
"""

from __future__ import annotations

from copy import deepcopy

from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import EscalationEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent
from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.util.task import TaskState

from app.engine import error_scopes
from app.engine import state as live
from app.engine.errors import StepError
from app.engine.speedups import ready_tasks

CODE, COUNTS, COUNTED = "maxVisits", "baton_visits", "baton_visit_counted"


def limits(elements: dict) -> dict[str, int]:
    """The visit cap of each capped element (a definition's are read once: see ProcessBundle)."""
    found = {}
    for bpmn_id, element in elements.items():
        raw = ((element or {}).get("properties") or {}).get("maxVisits")
        if raw and str(raw).strip().isdigit():
            found[bpmn_id] = int(raw)
    return found


class CapReached(Exception):
    """Raised before an engine task (script, business rule, gateway...) runs past its cap: engine
    tasks never wait as ready, so `enforce` alone would let them loop without ever counting."""

    def __init__(self, task):
        super().__init__(task.task_spec.bpmn_id)
        self.task = task


def before_run(workflow, caps: dict[str, int], task) -> None:
    """Count an engine task about to run; past its cap raise CapReached, so it does not run."""
    if caps and _over_cap(workflow, caps, task):
        raise CapReached(task)


def enforce(workflow, caps: dict[str, int]) -> StepError | bool:
    """Count each newly ready capped activity; on a visit over its cap, throw the escalation.

    Returns True when an escalation was caught (the caller steps on), a StepError when nothing caught
    it (the instance stops with an incident rather than loop past its cap), else False.
    """
    if not caps:
        return False  # most processes cap nothing: no need to look for ready tasks
    caught = False
    for wf in live.all_workflows(workflow):
        for task in ready_tasks(wf):
            if not _over_cap(workflow, caps, task):
                continue
            escalated = escalate(workflow, task, caps)
            if isinstance(escalated, StepError):
                return escalated
            caught = True
    return caught


def _over_cap(workflow, caps: dict[str, int], task) -> bool:
    """Count this visit (once per task); True when it is one more than the activity's cap."""
    limit = caps.get(task.task_spec.bpmn_id)
    if limit is None or task.internal_data.get(COUNTED):
        return False
    task.internal_data[COUNTED] = True
    counts = workflow.data.setdefault(COUNTS, {})
    counts[task.task_spec.bpmn_id] = counts.get(task.task_spec.bpmn_id, 0) + 1
    return counts[task.task_spec.bpmn_id] > limit


def escalate(workflow, task, caps: dict[str, int]) -> StepError | None:
    """Throw maxVisits from `task`; a StepError (an incident) when no boundary event catches it.

    An engine task held back by CapReached must not run once its interrupting boundary event took
    the escalation: it waits (the event's join cancels it); a non-interrupting one lets it run on,
    as it lets a capped user task stay open."""
    if not _escalate(workflow, task):
        return StepError(
            f"'{task.task_spec.bpmn_name or task.task_spec.bpmn_id}' reached its limit of "
            f"{caps[task.task_spec.bpmn_id]} visits and no boundary escalation event catches maxVisits",
            element_id=task.task_spec.bpmn_id,
            task_id=task.id,
        )
    if not task.task_spec.manual and _interrupted(task):
        task._set_state(TaskState.WAITING)
    return None


def _interrupted(task) -> bool:
    boundary = task.parent.children if task.parent is not None else []
    return any(
        isinstance(t.task_spec, BoundaryEvent)
        and t.task_spec.cancel_activity
        and t.internal_data.get("event_fired")
        for t in boundary
    )


def _escalate(workflow, task) -> bool:
    event = BpmnEvent(
        EscalationEventDefinition(CODE, code=CODE), payload=deepcopy(task.data), target=task.workflow
    )
    caught = error_scopes.catch_from(task, event)
    workflow.bpmn_events = [e for e in workflow.bpmn_events if e is not event]
    return caught > 0  # the boundary event is READY now; the next engine steps take its path
