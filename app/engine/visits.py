"""The visit cap: an activity with the property maxVisits=N may become ready N times per instance.

The next visit throws the BPMN escalation `maxVisits` from that activity, so a boundary escalation
event on it can take the modelled path (for example, to a scrap decision) instead of looping again.
Counts live in the top workflow's data, which survives the pruning of finished tasks.
"""

from __future__ import annotations

from copy import deepcopy

from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import EscalationEventDefinition
from SpiffWorkflow.bpmn.util.event import BpmnEvent

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
            limit = caps.get(task.task_spec.bpmn_id)
            if limit is None or task.internal_data.get(COUNTED):
                continue
            task.internal_data[COUNTED] = True
            counts = workflow.data.setdefault(COUNTS, {})
            counts[task.task_spec.bpmn_id] = counts.get(task.task_spec.bpmn_id, 0) + 1
            if counts[task.task_spec.bpmn_id] <= limit:
                continue
            if not _escalate(workflow, task):
                return StepError(
                    f"'{task.task_spec.bpmn_name or task.task_spec.bpmn_id}' reached its limit of {limit} "
                    "visits and no boundary escalation event catches maxVisits",
                    element_id=task.task_spec.bpmn_id,
                    task_id=task.id,
                )
            caught = True
    return caught


def _escalate(workflow, task) -> bool:
    event = BpmnEvent(
        EscalationEventDefinition(CODE, code=CODE), payload=deepcopy(task.data), target=task.workflow
    )
    caught = workflow.top_workflow.event_manager.catch(event)
    workflow.bpmn_events = [e for e in workflow.bpmn_events if e is not event]
    return caught > 0  # the boundary event is READY now; the next engine steps take its path
