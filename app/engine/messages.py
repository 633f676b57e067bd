"""Message events that deliver their payload the way the REST API promises.

SpiffWorkflow's Camunda message definition stores a caught payload under one variable named
`<element>_Response`. Camunda 7's REST correlation sets the message's variables on the
process instead, which is what Baton's users expect: the payload is merged into the task's
data, unless the model names a camunda:resultVariable, which then receives it whole.

A Camunda 8 message names its correlation key (`zeebe:subscription correlationKey="=orderId"`):
it is evaluated when an event starts waiting, and a message sent with that key reaches it.
"""

from __future__ import annotations

import json

from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnParser, full_tag
from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.camunda.parser import CamundaParser
from SpiffWorkflow.camunda.parser.event_parsers import CamundaEventDefinitionParser
from SpiffWorkflow.camunda.specs.event_definitions import MessageEventDefinition

from app.engine.execution_facts import acting_on
from app.engine.signals import BatonSignalEventDefinition, read_passes


class BatonMessageEventDefinition(MessageEventDefinition):
    correlation_key: str | None = None  # the zeebe:subscription correlationKey expression

    def throw(self, my_task):
        # A throw with no payload expression (Camunda 7's message event without an implementation)
        # sends the message bare; the library evaluated the missing expression and failed the step.
        if self.expression is None:
            my_task.workflow.top_workflow.catch(BpmnEvent(self, payload=None))
            return
        super().throw(my_task)

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


def correlation_key(task, definition) -> str | None:
    """The key a waiting event's zeebe:subscription gives, as text (a number as its digits)."""
    expression = getattr(definition, "correlation_key", None)
    if not expression:
        return None
    from app.engine import expressions

    try:
        with acting_on(task):
            value = expressions.evaluate(expression, dict(task.data))
    except Exception:  # noqa: BLE001 (a key that cannot be evaluated matches no key)
        return None
    if value is None or isinstance(value, str):
        return value
    return json.dumps(int(value) if isinstance(value, float) and value.is_integer() else value)


def message_event(definition: BatonMessageEventDefinition, variables: dict) -> BpmnEvent:
    return BpmnEvent(definition, dict(variables))


class BatonEventDefinitionParser(CamundaEventDefinitionParser):
    def parse_message_event(self, message_event):
        parsed = super().parse_message_event(message_event)
        definition = BatonMessageEventDefinition(
            parsed.name, parsed.correlation_properties, parsed.expression, parsed.result_var
        )
        definition.correlation_key = self._correlation_key(message_event.get("messageRef"))
        return definition

    def _correlation_key(self, message_ref: str | None) -> str | None:
        if not message_ref:
            return None
        found = self.doc_xpath(f'.//bpmn:message[@id="{message_ref}"]/bpmn:extensionElements/*')
        keys = [e.get("correlationKey") for e in found if str(e.tag) == _ZEEBE_SUBSCRIPTION]
        return next((k for k in keys if k), None)

    def parse_signal_event(self, signal_event):
        parsed = super().parse_signal_event(signal_event)
        definition = BatonSignalEventDefinition(parsed.name, description=parsed.description)
        definition.passes = read_passes(signal_event)
        return definition


_ZEEBE_SUBSCRIPTION = "{http://camunda.org/schema/zeebe/1.0}subscription"
_EVENT_TAGS = ("startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent")


def event_parser_overrides() -> dict:
    """Parser classes for every event element and the receive task, producing Baton's message
    and signal definitions. (A receive task had the library's own message definition: a message
    Baton delivers, made from a catch event's definition, was no event it catches.)"""
    overrides = {}
    for tag in (*_EVENT_TAGS, "receiveTask"):
        known = CamundaParser.OVERRIDE_PARSER_CLASSES.get(full_tag(tag))
        parser_cls, spec_cls = known or BpmnParser.PARSER_CLASSES[full_tag(tag)]
        name = "Baton" + parser_cls.__name__.removeprefix("Camunda")
        baton_cls = type(name, (BatonEventDefinitionParser, parser_cls), {})
        overrides[full_tag(tag)] = (baton_cls, spec_cls)
    return overrides
