"""Baton's own task specs and the serializer registry that knows them.

The business rule task evaluates a decision through Baton's DMN engine (resolved by key at run
time from the deployment), instead of SpiffWorkflow's, which passes 4 of 116 TCK cases.
"""

from __future__ import annotations

from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.event_definition import TimerConditionalEventDefinitionConverter
from SpiffWorkflow.bpmn.serializer.default.task_spec import (
    BoundaryEventConverter,
    BpmnTaskSpecConverter,
    EventConverter,
    SubWorkflowConverter,
)
from SpiffWorkflow.bpmn.serializer.helpers.spec import TaskSpecConverter
from SpiffWorkflow.bpmn.specs.defaults import ServiceTask
from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import SignalEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.bpmn_spec_mixin import BpmnSpecMixin
from SpiffWorkflow.camunda.serializer import DEFAULT_CONFIG
from SpiffWorkflow.camunda.serializer.event_definition import MessageEventDefinitionConverter

from app.engine.bindings import Binding
from app.engine.compensation import CompensationEndEvent, CompensationThrowEvent
from app.engine.cron_timers import CronCycleTimerEventDefinition
from app.engine.event_subprocess import (
    BatonEventSubprocess,
    CompensationEventSubprocess,
    EventSubprocessStart,
)
from app.engine.messages import BatonMessageEventDefinition
from app.engine.signals import BatonSignalEventDefinition


class DecisionTask(BpmnSpecMixin):
    """bpmn:businessRuleTask: evaluate `decision_ref` and store the mapped result.

    A BpmnSpecMixin (not a bare BpmnTaskSpec) so it keeps its element id and name: it shows in the
    history, the diagram and an incident's element like every other drawn task."""

    def __init__(
        self, wf_spec, bpmn_id, decision_ref, result_variable=None, map_mode=None, binding=None, **kwargs
    ):
        super().__init__(wf_spec, bpmn_id, **kwargs)
        self.decision_ref = decision_ref
        self.result_variable = result_variable
        self.map_mode = map_mode
        self.binding = binding or Binding()

    def _run_hook(self, my_task):
        engine = my_task.workflow.top_workflow.script_engine
        result = engine.evaluate_decision(my_task, self.decision_ref, self.map_mode, self.binding)
        if self.result_variable:
            my_task.data[self.result_variable] = result
        elif isinstance(result, dict):
            my_task.data.update(result)
        elif isinstance(result, list) and len(result) == 1 and isinstance(result[0], dict):
            my_task.data.update(result[0])
        else:
            my_task.data["decisionResult"] = result
        return super()._run_hook(my_task)


class BatonServiceTask(BpmnSpecMixin):
    """bpmn:serviceTask / bpmn:sendTask: the engine stops here; a Celery worker runs the handler.

    `_run_hook` returning None leaves the task STARTED; the worker later completes it with the
    handler's outputs (Runner.complete_service_task) or throws its BPMN error.
    """

    def _run_hook(self, my_task):
        return None


class DecisionTaskConverter(TaskSpecConverter):
    def to_dict(self, spec):
        dct = self.get_default_attributes(spec)
        dct.update(
            decision_ref=spec.decision_ref,
            result_variable=spec.result_variable,
            map_mode=spec.map_mode,
            binding=vars(spec.binding),
        )
        return dct

    def from_dict(self, dct):
        dct["binding"] = Binding(**dct["binding"]) if dct.get("binding") else None
        return self.task_spec_from_dict(dct)


def build_registry():
    config = dict(DEFAULT_CONFIG)
    config[DecisionTask] = DecisionTaskConverter
    config[BatonMessageEventDefinition] = MessageEventDefinitionConverter
    config[BatonSignalEventDefinition] = config[SignalEventDefinition]
    # SpiffWorkflow 3.2's Camunda config lacks a converter for a plain bpmn:serviceTask.
    config[ServiceTask] = BpmnTaskSpecConverter
    config[BatonServiceTask] = BpmnTaskSpecConverter
    config[BatonEventSubprocess] = SubWorkflowConverter
    config[CompensationEventSubprocess] = SubWorkflowConverter
    config[EventSubprocessStart] = BoundaryEventConverter  # it has cancel_activity, as a boundary event
    config[CompensationThrowEvent] = EventConverter
    config[CompensationEndEvent] = EventConverter
    config[CronCycleTimerEventDefinition] = TimerConditionalEventDefinitionConverter
    return BpmnWorkflowSerializer.configure(config)
