"""Signals that reach past their own instance, as in Camunda.

SpiffWorkflow delivers a thrown signal only inside the workflow that threw it. Camunda broadcasts
it: every instance of the tenant waiting for it catches it. The definition below records each
signal its workflow throws, so the service layer can pass it on to the other instances once the
step is saved (app/services/signals.py); a signal sent from outside (POST /signals) is delivered
with `signal_event`. Only the sender's own instance gets the thrower's variables, as before: the
others get none (Camunda 7 passes variables only through the throw event's camunda:in).
"""

from __future__ import annotations

from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import SignalEventDefinition
from SpiffWorkflow.bpmn.util.event import BpmnEvent

THROWN = "baton_thrown_signals"  # attribute of a running top workflow, never saved


class BatonSignalEventDefinition(SignalEventDefinition):
    def throw(self, my_task):
        super().throw(my_task)
        top = my_task.workflow.top_workflow
        top.__dict__.setdefault(THROWN, []).append(self.name)


def signal_event(definition: SignalEventDefinition, variables: dict) -> BpmnEvent:
    return BpmnEvent(definition, dict(variables))


def take_thrown_signals(workflow) -> list[str]:
    """The names of the signals `workflow` threw since the last call (or its start or load), in order."""
    return workflow.__dict__.pop(THROWN, [])
