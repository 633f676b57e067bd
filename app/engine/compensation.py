"""Compensation (BPMN 2.0, 10.7): undo completed work by running its handlers in reverse order.

SpiffWorkflow 3.2 has no compensation at all: a model with a compensation boundary event is
refused ("Unsupported Catch Event"), its handler (isForCompensation, linked by a
bpmn:association) is never parsed, and a compensation throw event is a none event.

Baton's rule. At parse time each process spec gets `compensation` {activity id: handler id}
(handlers of its inner sub-processes are registered in its spec too, so a handler task can be
saved and loaded wherever it runs). Each completed activity that has a handler is recorded in
the top workflow's data (RECORDS: its id, scope and a copy of its data), because finished tasks
are pruned from the live state. A compensation throw event (intermediate or end, with or
without activityRef) runs, in reverse completion order, the handlers of the recorded activities
in its scope (a completed sub-process is compensated by its inner handlers, newest first), each
with the data the activity completed with plus the current variables, then goes on.
"""

from __future__ import annotations

from SpiffWorkflow.bpmn.parser.util import full_tag
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.defaults import EndEvent, IntermediateThrowEvent
from SpiffWorkflow.bpmn.specs.event_definitions.simple import NoneEventDefinition
from SpiffWorkflow.util.task import TaskState

from app.engine.data import copy_value

COMPENSATE = full_tag("compensateEventDefinition")
RECORDS, RECORDED = "baton_compensable", "baton_compensable_recorded"


# --- parsing ------------------------------------------------------------------------------------
def is_compensation_boundary(node) -> bool:
    return node.find(COMPENSATE) is not None


def add_handlers(process_parser) -> None:
    """Parse each compensation handler and map activity -> handler on the process spec."""
    spec = process_parser.spec
    spec.compensation, spec.handler_ids = {}, []
    handler_of = {a.get("sourceRef"): a.get("targetRef") for a in process_parser.xpath("./bpmn:association")}
    for node in process_parser.xpath("./bpmn:boundaryEvent[bpmn:compensateEventDefinition]"):
        handler = process_parser.get_node_by_id(handler_of.get(node.get("id")))
        if handler is None:
            raise ValidationException(
                "a compensation boundary event needs a handler (an association to an activity)",
                node=node,
                file_name=process_parser.filename,
            )
        process_parser.parse_node(handler)
        spec.compensation[node.get("attachedToRef")] = handler.get("id")
        spec.handler_ids.append(handler.get("id"))
    for node in process_parser.xpath("./bpmn:subProcess[not(@triggeredByEvent='true')]"):
        inner = process_parser.parser.process_parsers[node.get("id")].get_spec()
        for handler_id in getattr(inner, "handler_ids", []):
            # A sub-process's handler runs at the throw in this process: its spec must be found here.
            spec.task_specs.setdefault(handler_id, inner.task_specs[handler_id])
            spec.handler_ids.append(handler_id)


class _CompensateMixin:
    def __init__(self, wf_spec, bpmn_id, activity_ref=None, **kwargs):
        super().__init__(wf_spec, bpmn_id, NoneEventDefinition(), **kwargs)
        self.activity_ref = activity_ref

    def _run_hook(self, my_task):
        compensate(my_task, self.activity_ref)
        return super()._run_hook(my_task)


class CompensationThrowEvent(_CompensateMixin, IntermediateThrowEvent):
    """bpmn:intermediateThrowEvent with a compensateEventDefinition."""


class CompensationEndEvent(_CompensateMixin, EndEvent):
    """bpmn:endEvent with a compensateEventDefinition."""


def throw_parser(base, spec_class):
    class CompensationThrowParser(base):
        def create_task(self):
            definition = self.node.find(COMPENSATE)
            if definition is None:
                return super().create_task()
            ref = definition.get("activityRef")
            return spec_class(self.spec, self.bpmn_id, activity_ref=ref, **self.bpmn_attributes)

    return CompensationThrowParser


def parser_overrides(classes: dict) -> dict:
    """Wrap the current throw and end event parsers (BatonParser uses it)."""
    throw, end = full_tag("intermediateThrowEvent"), full_tag("endEvent")
    return {
        throw: (throw_parser(classes[throw][0], CompensationThrowEvent), classes[throw][1]),
        end: (throw_parser(classes[end][0], CompensationEndEvent), classes[end][1]),
    }


# --- running ------------------------------------------------------------------------------------
def _scope(workflow) -> list[str]:
    """bpmn ids of the sub-process tasks enclosing `workflow`, outermost first."""
    path = []
    while workflow.parent_task_id is not None:
        parent = workflow.top_workflow.get_task_from_id(workflow.parent_task_id)
        path.append(parent.task_spec.bpmn_id)
        workflow = parent.workflow
    return path[::-1]


def record(top) -> None:
    """Keep a compact record of every completed activity that has a compensation handler."""
    from app.engine.state import all_workflows

    records = top.data.get(RECORDS, [])
    for wf in all_workflows(top):
        handlers = getattr(wf.spec, "compensation", {})
        for task in wf.tasks.values():
            handler = handlers.get(task.task_spec.bpmn_id)
            if handler is None or task.state != TaskState.COMPLETED or task.internal_data.get(RECORDED):
                continue
            task.internal_data[RECORDED] = True
            records.append(
                {
                    "activity": task.task_spec.bpmn_id,
                    "handler": handler,
                    "scope": _scope(wf),
                    "at": task.last_state_change,
                    "data": copy_value(task.data),
                }
            )
    if records:
        top.data[RECORDS] = records


def _in_scope(entry: dict, scope: list[str], activity_ref: str | None) -> bool:
    inner = entry["scope"]
    if inner[: len(scope)] != scope:
        return False
    if activity_ref is None:
        return True
    below = inner[len(scope) :]
    return (below[0] if below else entry["activity"]) == activity_ref


def compensate(throw_task, activity_ref: str | None) -> None:
    """Run the handlers of the completed activities in the throw's scope, newest first."""
    top = throw_task.workflow.top_workflow
    record(top)
    scope = _scope(throw_task.workflow)
    records = top.data.get(RECORDS, [])
    chosen = [e for e in records if _in_scope(e, scope, activity_ref)]
    top.data[RECORDS] = [e for e in records if e not in chosen]  # each completion is undone once
    for entry in sorted(chosen, key=lambda e: e["at"], reverse=True):
        _run_handler(throw_task, entry)


def _run_handler(throw_task, entry: dict) -> None:
    spec = throw_task.workflow.spec.task_specs[entry["handler"]]
    handler = throw_task._add_child(spec, TaskState.FUTURE)
    handler.triggered = True  # not one of the throw's outputs: keep it when the throw completes
    handler.data = {**copy_value(entry["data"]), **copy_value(throw_task.data)}
    handler._set_state(TaskState.READY)
    handler.run()
    throw_task.data.update(copy_value(handler.data))
