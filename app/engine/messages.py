"""Message events that deliver their payload the way the REST API promises.

SpiffWorkflow's Camunda message definition stores a caught payload under one variable named
`<element>_Response`. Camunda 7's REST correlation sets the message's variables on the
process instead, which is what Baton's users expect: the payload is merged into the task's
data, unless the model names a camunda:resultVariable, which then receives it whole.
"""

from __future__ import annotations

from SpiffWorkflow.bpmn.parser.BpmnParser import full_tag
from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.camunda.parser import CamundaParser
from SpiffWorkflow.camunda.parser.event_parsers import CamundaEventDefinitionParser
from SpiffWorkflow.camunda.specs.event_definitions import MessageEventDefinition

from app.engine.signals import BatonSignalEventDefinition


class BatonMessageEventDefinition(MessageEventDefinition):
    def update_internal_data(self, my_task, event):
        my_task.internal_data[self.name] = event.payload

    def update_task_data(self, my_task):
        payload = my_task.internal_data.get(self.name)
        if payload is None:
            return
        if self.result_var:
            my_task.data[self.result_var] = payload
        elif isinstance(payload, dict):
            my_task.data.update(payload)


def message_event(definition: BatonMessageEventDefinition, variables: dict) -> BpmnEvent:
    return BpmnEvent(definition, dict(variables))


class BatonEventDefinitionParser(CamundaEventDefinitionParser):
    def parse_message_event(self, message_event):
        parsed = super().parse_message_event(message_event)
        return BatonMessageEventDefinition(
            parsed.name, parsed.correlation_properties, parsed.expression, parsed.result_var
        )

    def parse_signal_event(self, signal_event):
        parsed = super().parse_signal_event(signal_event)
        return BatonSignalEventDefinition(parsed.name, description=parsed.description)


_EVENT_TAGS = ("startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent")


def event_parser_overrides() -> dict:
    """Parser classes for every event element, producing Baton's message and signal definitions."""
    overrides = {}
    for tag in _EVENT_TAGS:
        parser_cls, spec_cls = CamundaParser.OVERRIDE_PARSER_CLASSES[full_tag(tag)]
        name = parser_cls.__name__.replace("Camunda", "Baton")
        baton_cls = type(name, (BatonEventDefinitionParser, parser_cls), {})
        overrides[full_tag(tag)] = (baton_cls, spec_cls)
    return overrides
