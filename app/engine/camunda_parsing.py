"""Parser hooks that make Camunda 7 / Zeebe models run as drawn, added to every task parser.

One mixin instead of a subclass per task type: it connects input/output mappings to the spec
the parser creates (app.engine.io_mapping) and builds Camunda-style multi-instance activities
(app.engine.multi_instance). `with_camunda_hooks` wraps a parser-class table.
"""

from __future__ import annotations

from SpiffWorkflow.bpmn.parser.BpmnParser import full_tag
from SpiffWorkflow.bpmn.parser.task_parsers import SubprocessParser
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.camunda.parser.task_spec import CallActivityParser

from app.engine import bindings, call_activity, io_mapping
from app.engine.multi_instance import add_multi_instance


class CamundaHooksMixin:
    def create_task(self):
        spec = super().create_task()
        io_mapping.attach(spec, io_mapping.read(self.node))
        return spec

    def _add_multiinstance_task(self, loop_characteristics):
        add_multi_instance(self, loop_characteristics)


class BatonCallActivityParser(CallActivityParser):
    def create_task(self):
        called = call_activity.called_element(self.node)
        if not called:
            SubprocessParser.get_call_activity_spec(self)  # raises the library's error
        spec = self.spec_class(self.spec, self.bpmn_id, subworkflow_spec=called, **self.bpmn_attributes)
        spec.mappings = call_activity.read_mappings(self.node)
        spec.binding = read_binding(self, "process")
        return spec


def read_binding(task_parser, what: str) -> bindings.Binding:
    try:
        return bindings.read(task_parser.node, what)
    except ValueError as exc:
        error = ValidationException(str(exc), node=task_parser.node, file_name=task_parser.filename)
        error.line_number = task_parser.node.sourceline  # the library reads a `line_number` lxml lacks
        raise error


def with_camunda_hooks(classes: dict) -> dict:
    """The same table, each parser class given the mixin (call activities: Baton's own)."""
    classes = {
        **classes,
        full_tag("callActivity"): (BatonCallActivityParser, call_activity.BatonCallActivity),
    }
    return {
        tag: (type(parser.__name__, (CamundaHooksMixin, parser), {}), spec)
        for tag, (parser, spec) in classes.items()
    }
