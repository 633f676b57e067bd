"""Camunda 8's rule for sequence-flow conditions: a condition must give a boolean.

Camunda 7 (JUEL) and a plain FEEL engine take a condition that gives null as false, and Baton
did so for every model: a condition on a variable that does not exist quietly sent the token
down another flow. Zeebe instead raises an incident on the gateway ("Expected result of the
expression '...' to be 'BOOLEAN', but was 'NULL'"), and a retry once the variable is set
evaluates it again. A model drawn for Camunda 8 gets Zeebe's rule: each of its `=FEEL`
conditions is a StrictCondition that knows its flow, and a result other than true or false
fails the step naming the flow and the expression (an incident, retried like any other).
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnParser, full_tag
from SpiffWorkflow.bpmn.parser.task_parsers import ConditionalGatewayParser
from SpiffWorkflow.bpmn.specs.bpmn_task_spec import _BpmnCondition

_PLATFORM = "{http://camunda.org/schema/modeler/1.0}executionPlatform"


def for_camunda_8(node) -> bool:
    """Whether Camunda Modeler drew the model for Camunda 8 (`modeler:executionPlatform`)."""
    return node.getroottree().getroot().get(_PLATFORM) == "Camunda Cloud"


class StrictCondition(_BpmnCondition):
    """A Camunda 8 flow's condition: true or false, else the step fails naming the flow."""

    def __init__(self, expression: str, flow_id: str):
        super().__init__(expression)
        self.flow_id = flow_id

    def _matches(self, task) -> bool:
        value = super()._matches(task)
        if type(value) is not bool:
            raise WorkflowTaskException(
                f"sequence flow '{self.flow_id}': expected result of the expression "
                f"'{self.args[0]}' to be 'BOOLEAN', but was '{zeebe_type(value)}'",
                task=task,
            )
        return value


class StrictGatewayParser(ConditionalGatewayParser):
    """Exclusive and inclusive gateways (an implicit split is a hidden inclusive one): a Camunda 8
    model's `=FEEL` condition, once connected, becomes a StrictCondition naming its flow."""

    def connect_outgoing(self, outgoing_task, sequence_flow_node, is_default):
        super().connect_outgoing(outgoing_task, sequence_flow_node, is_default)
        if is_default or not for_camunda_8(sequence_flow_node):
            return
        condition, target = self.task.cond_task_specs[-1]
        text = condition.args[0] if condition is not None else None
        if isinstance(text, str) and text.strip().startswith("="):
            self.task.cond_task_specs[-1] = (StrictCondition(text, sequence_flow_node.get("id")), target)


def gateway_overrides() -> dict:
    """Parser-table entries for the gateways that evaluate flow conditions."""
    tags = (full_tag("exclusiveGateway"), full_tag("inclusiveGateway"))
    return {tag: (StrictGatewayParser, BpmnParser.PARSER_CLASSES[tag][1]) for tag in tags}


def zeebe_type(value: Any) -> str:
    """The name Zeebe's message gives a result's type."""
    if value is None:
        return "NULL"
    kinds = ((str, "STRING"), ((int, float), "NUMBER"), (list, "ARRAY"), (dict, "OBJECT"))
    return next((name for kind, name in kinds if isinstance(value, kind)), type(value).__name__.upper())
