"""Signals that reach past their own instance, as in Camunda.

SpiffWorkflow delivers a thrown signal only inside the workflow that threw it. Camunda broadcasts
it: every instance of the tenant waiting for it catches it. The definition below records each
signal its workflow throws, so the service layer can pass it on to the other instances once the
step is saved (app/services/signals.py); a signal sent from outside (POST /signals) is delivered
with `signal_event`. The sender's own instance catches it with the thrower's variables; the others
get what the throwing signalEventDefinition's camunda:in rows name (Camunda 7's way to pass
variables with a signal: source/target, sourceExpression/target, variables="all"), else nothing.
"""

from __future__ import annotations

from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import SignalEventDefinition
from SpiffWorkflow.bpmn.util.event import BpmnEvent

from app.engine.call_activity import in_out_rows, mapped

THROWN = "baton_thrown_signals"  # attribute of a running top workflow, never saved


class BatonSignalEventDefinition(SignalEventDefinition):
    passes: list = []  # camunda:in rows of a throwing definition (the parser sets them)

    def throw(self, my_task):
        super().throw(my_task)
        carried = mapped(self.passes, my_task.data, my_task) if self.passes else {}
        top = my_task.workflow.top_workflow
        top.__dict__.setdefault(THROWN, []).append((self.name, carried))


def read_passes(definition_node) -> list[dict]:
    """The camunda:in rows inside a signalEventDefinition (where Camunda Modeler writes them)."""
    return in_out_rows(definition_node, "in")


def signal_event(definition: SignalEventDefinition, variables: dict) -> BpmnEvent:
    return BpmnEvent(definition, dict(variables))


def take_thrown_signals(workflow) -> list[tuple[str, dict]]:
    """(name, variables it carries) of each signal `workflow` threw since the last call (or its
    start or load), in order."""
    return workflow.__dict__.pop(THROWN, [])
