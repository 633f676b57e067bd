"""What an activity interrupted by a boundary event had written to the process's variables.

In Camunda a variable a task sets is the process's at once, unless a scope between them declared
it (an input mapping, a multi-instance's element variable). SpiffWorkflow keeps data on tasks, and a
boundary event's task inherits it from the split before its activity began: an interrupting event
went on without what the activity's finished parts had set (the votes cast before a deadline, the
first step of an approval stage), though the instance had shown them. The event takes them here.
"""

from __future__ import annotations

from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask

from app.engine.io_mapping import ABSENT, BEFORE, SHADOW, process_view

_EMBEDDED = ("subProcess", "transaction", "adHocSubProcess")  # the tags sharing the process's variables


def attached_activities(boundary_task) -> list:
    """The activity a boundary event's task is attached to (its siblings that are no boundary events)."""
    siblings = boundary_task.parent.children if boundary_task.parent is not None else []
    return [t for t in siblings if not isinstance(t.task_spec, BoundaryEvent)]


def written_by(activity) -> dict:
    """The process's variables as the running `activity` has them: a multi-instance's body (what its
    finished instances wrote; a Zeebe outputCollection stays the body's own), an embedded
    subprocess's work so far (its input mappings' locals left out). Nothing of a call activity: its
    process has variables of its own, passed back when it ends."""
    spec = activity.task_spec
    if isinstance(spec, LoopTask):
        own = getattr(spec, "output_collection", None)
        return {k: v for k, v in process_view(activity).items() if k != own}
    # (Camunda's parser makes an embedded subprocess of the call activity class: the tag tells them apart.)
    if getattr(spec, "element_type", None) not in _EMBEDDED:
        return {}
    if BEFORE in activity.internal_data:  # Zeebe outputs: only they reach the process, at the end
        return {}
    inside = _reached_inside(activity)
    if not inside:
        return {}
    from app.engine.scope import process_variables  # (scope builds on the engine's patched library)

    seen = process_variables(inside)
    for name in activity.internal_data.get(ABSENT, []):
        seen.pop(name, None)
    seen.update(activity.internal_data.get(SHADOW) or {})
    return seen


def _reached_inside(activity) -> list:
    """The tasks a token is in within the subprocess of `activity` (nested ones too), oldest first."""
    from app.engine.reports import REACHED

    top = activity.workflow.top_workflow
    sub = top.subprocesses.get(activity.id)
    if sub is None:
        return []
    workflows = [wf for wf in top.subprocesses.values() if _within(wf, sub)]
    reached = [t for wf in workflows for t in wf.tasks.values() if t.has_state(REACHED)]
    return sorted(reached, key=lambda t: t.last_state_change)


def _within(workflow, outer) -> bool:
    while workflow is not None and workflow is not outer:
        workflow = getattr(workflow, "parent_workflow", None)
    return workflow is outer
