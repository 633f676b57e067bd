"""Conditional events as Camunda runs them: a waiting conditional catch event (intermediate or
boundary) is checked again whenever the process's variables may have changed, not only when the
token reaches it. SpiffWorkflow checks it once, on arrival, against its own branch's copy of the
data, so `${ready}` set later by a task in a parallel branch never released it.

A condition is read against the process's variables (as the instance shows them); when it holds,
the waiting branch takes those variables, as Camunda's one shared scope would have them, and the
event fires. A non-interrupting boundary event listens again after it fired and fires when its
condition next becomes true (it was re-armed and, still true, fired without end, hanging the
request); each event fires at most once per step besides. A condition that fails to evaluate
when re-checked (a variable not set yet) is not met.
"""

from __future__ import annotations

from SpiffWorkflow.bpmn.specs.event_definitions.conditional import ConditionalEventDefinition
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState

from app.engine.data import copy_value

_AFTER_FALSE = "baton_fires_after_false"  # a re-armed event whose condition still held


def fire_met_conditions(workflow, fired: set) -> bool:
    """Fire the waiting conditional events whose condition now holds (not those in `fired`, the
    specs fired already in this step, which it extends); True when one fired."""
    waiting = [t for t in list(workflow.event_manager.tasks.values()) if _is_conditional(t)]
    waiting = [t for t in waiting if t.state == TaskState.WAITING and t.task_spec.name not in fired]
    if not waiting:
        return False
    variables = _variables(workflow)
    released = False
    for task in waiting:
        if _fires(task, _holds(task, variables)):
            # (not task_spec._update: it takes the data of the task before again, and checks that)
            task.data.update(copy_value(variables))
            task._set_internal_data(has_fired=True)
            task._ready()
            fired.add(task.task_spec.name)
            released = True
    return released


def has_fired(self, my_task) -> bool:
    """ConditionalEventDefinition.has_fired, edge-triggered (app.engine.fixes)."""
    held = my_task.workflow.script_engine.evaluate(
        my_task, self.expression, external_context=my_task.workflow.data_objects
    )
    fires = _fires(my_task, held is True)
    my_task._set_internal_data(has_fired=fires)
    return fires


def rearm(task) -> None:
    """A non-interrupting boundary event listens again: it fires when its condition next becomes
    true, not at once because it still is (which fired it again and again without end)."""
    task._set_internal_data(**{_AFTER_FALSE: True})


def _fires(task, held: bool) -> bool:
    holder = _holder(task)
    if holder.internal_data.get(_AFTER_FALSE):
        if not held:
            holder.internal_data.pop(_AFTER_FALSE, None)
        return False
    return held


def _holder(task):
    """Where a re-armed event keeps its flag: an event subprocess's start event, made anew with
    each subprocess, keeps it on the listening event subprocess (app.engine.event_subprocess)."""
    from app.engine.event_subprocess import listener_of  # (it loads the engine's state)

    owner = listener_of(task) if task.workflow.parent_task_id is not None else None
    return owner if owner is not None else task


def _is_conditional(task) -> bool:
    return isinstance(getattr(task.task_spec, "event_definition", None), ConditionalEventDefinition)


def _variables(workflow) -> dict:
    # (imported here: state and reports load app.engine.fixes, which installs has_fired above)
    from app.engine.reports import REACHED
    from app.engine.scope import process_variables
    from app.engine.state import all_workflows

    tasks = [t for wf in all_workflows(workflow) for t in wf.tasks.values() if t.has_state(REACHED)]
    return process_variables(sorted(tasks, key=lambda t: t.last_state_change))


def _holds(task, variables: dict) -> bool:
    expression = task.task_spec.event_definition.expression
    try:
        return task.workflow.script_engine.evaluate(task, expression, external_context=variables) is True
    except SpiffWorkflowException:
        return False
