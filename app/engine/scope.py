"""What the process sees of a running workflow: its variables, where its tokens are, where it starts.

SpiffWorkflow keeps data on each task, so the process's view is assembled from the tasks it is in:
a loop instance's own data (its element variable, loopCounter) and a task's local inputs are the
task's, not the process's (Camunda's scopes); the loop's body holds what the process sees.
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask

from app.engine.branch_ends import apply_ended, is_waiting_end
from app.engine.implicit_splits import shown_element
from app.engine.io_mapping import process_view
from app.engine.state import all_workflows


def process_variables(reached) -> dict:
    """The process's data, merged over the tasks a token is in (in the order reached), with what
    branches that ended while others run set (app.engine.branch_ends)."""
    merged: dict = {}
    for task in reached:
        if not in_loop(task) and not is_waiting_end(task):
            merged.update(process_view(task))
    for end in (t for t in reached if is_waiting_end(t)):
        apply_ended(end, merged)
    return merged


def task_variables(task, ends=None) -> dict:
    """What a task sees: its own data (local inputs too), with what branches that ended in its
    process (or a process around it) set, as the instance's variables have them; its data itself
    when none did. `ends`: the waiting end joins (app.engine.branch_ends), if the caller has them."""
    if ends is None:
        tasks = (t for wf in all_workflows(task.workflow.top_workflow) for t in wf.tasks.values())
        ends = [t for t in tasks if is_waiting_end(t)]
    enclosing = [end for end in ends if _encloses(end.workflow, task)]
    if not enclosing:
        return task.data
    seen = dict(task.data)
    for end in enclosing:
        apply_ended(end, seen)
    return seen


def _encloses(workflow, task) -> bool:
    inner = task.workflow
    while inner is not None and inner is not workflow:
        inner = getattr(inner, "parent_workflow", None)
    return inner is workflow


def loop_siblings(task) -> set:
    """Ids of the other instances of the multi-instance round `task` is one instance of (every
    instance of a round hangs off the same loop task; a new round is a new loop task)."""
    if task.parent is None or not in_loop(task):
        return set()
    return {c.id for c in task.parent.children if c is not task and c.task_spec is task.task_spec}


def in_loop(task) -> bool:
    """Whether the task is one instance of a loop (not what follows the loop: also its child)."""
    loop = task.parent.task_spec if task.parent is not None else None
    return isinstance(loop, LoopTask) and task.task_spec.name == loop.task_spec


def active_elements(reached) -> list[str]:
    """Each element a token is in, once, in the order reached. Boundary events are not listed: as in
    Camunda's active activities, an event that waits on an activity is not where the instance is.
    A hidden gateway (a split failed on a flow out of a task) is listed as that task."""
    elements = (shown_element(t.task_spec) for t in reached if not isinstance(t.task_spec, BoundaryEvent))
    return list(dict.fromkeys(e for e in elements if e))


def keep_message_starts(workflow, name: str, kind: type[Any] = MessageEventDefinition) -> None:
    """Cancel the top process's start events that do not catch message (or `kind`) `name`, before
    any runs."""
    for task in [t for t in workflow.tasks.values() if isinstance(t.task_spec, StartEvent)]:
        definition = getattr(task.task_spec, "event_definition", None)
        if not (isinstance(definition, kind) and definition.name == name):
            task.cancel()
