"""Compensation (BPMN 2.0, 10.7): undo completed work by running its handlers in reverse order.

SpiffWorkflow 3.2 has no compensation at all: a model with a compensation boundary event is
refused ("Unsupported Catch Event"), its handler (isForCompensation, linked by a
bpmn:association) is never parsed, a compensation throw event is a none event, and an event
subprocess with a compensation start event runs as soon as its sub-process starts.

Baton's rule. At parse time each process spec gets `compensation` {activity id: handler id}: the
activity's boundary handler, or for a sub-process without one the event subprocess with a
compensation start event inside it. Handlers of inner sub-processes are registered in the outer
spec too (and in the event subprocesses' specs), so a handler task can be saved and loaded
wherever it runs. app.engine.compensation_records keeps what completed. A compensation throw
event (intermediate or end, with or without activityRef) takes the records of its scope and
runs their handlers one after the other, newest first, each with the data the activity
completed with plus the current variables. The throw waits (waitForCompletion): it stays
STARTED while a handler runs, so a user task handler waits for its person like any user task,
and the throw goes on when the last handler completed (waitForCompletion="false" is read as
true: the handlers run one after the other). A compensation event subprocess runs as
the handler of its completed sub-process, inside that sub-process's scope: a compensation throw
in it compensates the sub-process's own activities.
"""

from __future__ import annotations

from SpiffWorkflow.bpmn.parser.util import full_tag
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.defaults import EndEvent, IntermediateThrowEvent
from SpiffWorkflow.bpmn.specs.event_definitions.simple import NoneEventDefinition
from SpiffWorkflow.util.task import TaskState

from app.engine import compensation_records as records
from app.engine import data
from app.engine.data import copy_value

COMPENSATE = full_tag("compensateEventDefinition")
# internal_data of a throw: the records whose handlers are still to run, the running one's data
QUEUE, SNAPSHOT = "baton_compensating", "baton_compensating_data"


# --- parsing ------------------------------------------------------------------------------------
def is_compensation_boundary(node) -> bool:
    return node.find(COMPENSATE) is not None


def is_compensation_event_subprocess(node) -> bool:
    """A bpmn:subProcess triggeredByEvent whose start event is a compensation start event."""
    starts = node.findall(full_tag("startEvent"))
    return node.get("triggeredByEvent") == "true" and any(s.find(COMPENSATE) is not None for s in starts)


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
        _add_handler(spec, node.get("attachedToRef"), handler.get("id"))
    for node in process_parser.xpath("./bpmn:subProcess[not(@triggeredByEvent='true')]"):
        _add_inner_handlers(process_parser, spec, node)
    for node in process_parser.xpath("./bpmn:subProcess[@triggeredByEvent='true']"):
        # A compensation throw inside an event subprocess compensates this process's activities.
        inner = process_parser.parser.process_parsers[node.get("id")].get_spec()
        for handler_id in spec.handler_ids:
            inner.task_specs.setdefault(handler_id, spec.task_specs[handler_id])
    for handler_id in spec.handler_ids:
        handler_spec = spec.task_specs[handler_id]
        if not handler_spec.completed_event.is_connected(handler_done):
            handler_spec.completed_event.connect(handler_done)


def _add_handler(spec, activity_id: str, handler_id: str) -> None:
    spec.compensation.setdefault(activity_id, handler_id)
    if handler_id not in spec.handler_ids:
        spec.handler_ids.append(handler_id)


def _add_inner_handlers(process_parser, spec, node) -> None:
    inner = process_parser.parser.process_parsers[node.get("id")].get_spec()
    for esp in node.findall(full_tag("subProcess")):
        if is_compensation_event_subprocess(esp):
            # Without a boundary handler, the sub-process is compensated by this event subprocess.
            spec.task_specs.setdefault(esp.get("id"), inner.task_specs[esp.get("id")])
            _add_handler(spec, node.get("id"), esp.get("id"))
    for handler_id in getattr(inner, "handler_ids", []):
        # A sub-process's handler runs at the throw in this process: its spec must be found here.
        spec.task_specs.setdefault(handler_id, inner.task_specs[handler_id])
        if handler_id not in spec.handler_ids:
            spec.handler_ids.append(handler_id)


class _CompensateMixin:
    def __init__(self, wf_spec, bpmn_id, activity_ref=None, **kwargs):
        super().__init__(wf_spec, bpmn_id, NoneEventDefinition(), **kwargs)
        self.activity_ref = activity_ref

    def _run_hook(self, my_task):
        queue = records.take(my_task.workflow.top_workflow, my_task.workflow, self.activity_ref)
        if not queue:
            return super()._run_hook(my_task)
        my_task.internal_data[QUEUE] = queue[1:]
        _start_handler(my_task, queue[0])
        return None  # STARTED until the last handler completes (handler_done)


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
def handler_done(workflow, handler) -> None:
    """A handler completed: run the throw's next one, or let the throw go on after the last."""
    throw = handler.parent
    if throw is None or not isinstance(throw.task_spec, _CompensateMixin) or throw.state != TaskState.STARTED:
        return
    # What the handler changed reaches the process; the snapshot it started from does not.
    started = data.merge(copy_value(throw.internal_data.pop(SNAPSHOT, {})), throw.data)
    changed = {k: v for k, v in handler.data.items() if k not in started or started[k] != v}
    throw.data.update(copy_value(changed))
    queue = throw.internal_data.get(QUEUE, [])
    if queue:
        throw.internal_data[QUEUE] = queue[1:]
        _start_handler(throw, queue[0])
    else:
        throw.internal_data.pop(QUEUE, None)
        throw.complete()


def _start_handler(throw_task, entry: dict) -> None:
    spec = throw_task.workflow.spec.task_specs[entry["handler"]]
    handler = throw_task._add_child(spec, TaskState.FUTURE)
    handler.triggered = True  # not one of the throw's outputs: keep it when the throw completes
    handler.data = copy_value(entry["data"])
    throw_task.internal_data[SNAPSHOT] = entry["data"]
    if entry["own"]:  # a compensation event subprocess works inside the sub-process it compensates
        handler.internal_data[records.COMPENSATES] = {
            "scope": [*entry["scope"], entry["activity"]],
            "scope_ids": [*entry["scope_ids"], entry["task"]],
        }
    # Not spec._update: its readiness test wants an incoming flow, which a handler never has.
    if spec._update_hook(handler):  # the throw's current variables on top; a sub-process starts here
        handler._set_state(TaskState.READY)
