"""What Celery workers do to a running workflow: finish a service task (outputs or a BPMN error)
and fire a timer. A mixin of Runner (app/engine/runner.py), which supplies the workflow, `advance`,
`elements`, `_task_ids` and `_step_error`; kept apart so each file reads as one kind of act."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import ErrorEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import CycleTimerEventDefinition, TimerEventDefinition
from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState

from app.engine import error_scopes, io_mapping, reports
from app.engine import state as live
from app.engine.cron_timers import elapse
from app.engine.data import copy_value
from app.engine.errors import NotReady
from app.engine.multi_instance import outside_instance
from app.engine.runner_parts import RunnerParts
from app.engine.scope import task_variables
from app.engine.specs import BatonServiceTask


class WorkerActs(RunnerParts):
    def _started_service_task(self, task_id):
        task = self.workflow.get_task_from_id(task_id) if task_id in self._task_ids() else None
        is_service = task is not None and isinstance(task.task_spec, BatonServiceTask)
        if not is_service or task.state != TaskState.STARTED:
            raise NotReady(f"service task {task_id} is not waiting for its handler")
        return task

    def merge_into_service_task(self, task_id, variables: dict) -> dict:
        """Merge corrected variables into a service task waiting for its handler; what its handler
        sees after, as on its first run: with what branches that ended while others run set
        (scope.task_variables), the corrections over it."""
        task = self._started_service_task(task_id)
        task.data.update(copy_value(variables))
        return {**task_variables(task), **copy_value(variables)}

    def complete_service_task(self, task_id, outputs: dict) -> None:
        """The handler returned: merge its outputs and move on."""
        task = self._started_service_task(task_id)
        task.data.update(outputs)
        try:
            task.complete()
        except SpiffWorkflowException as exc:
            self.error = self._step_error(exc)
            return
        self.advance()

    def throw_bpmn_error(self, task_id, error) -> bool:
        """Throw a handler's BpmnError (code, message, variables) from a service task; False when no
        boundary event catches it."""
        task = self._started_service_task(task_id)
        code, message = error.code, error.message
        # The task's local inputs end with it (as in Camunda 7 and 8): the path after the catch
        # gets the process's variables, the error's variables and its code and message.
        scope = outside_instance(task, io_mapping.process_view(task))
        variables = {**scope, **copy_value(error.variables)}
        payload = {**variables, "errorCode": code, "errorMessage": message}
        event = BpmnEvent(ErrorEventDefinition(code, code=code), payload=payload, target=task.workflow)
        caught = error_scopes.catch_from(task, event)
        self._name_error_variables(payload, code, message)
        self.workflow.bpmn_events = [e for e in self.workflow.bpmn_events if e is not event]
        self.advance()
        # (Not "the task is no longer STARTED": an instance of a multi-instance activity whose
        # boundary event caught the error is dropped from the tree with its activity, unchanged.)
        return caught > 0

    def _name_error_variables(self, payload: dict, code: str, message: str | None) -> None:
        """camunda:errorCodeVariable / errorMessageVariable of the event that caught the error."""
        for catcher in (t for wf in live.all_workflows(self.workflow) for t in wf.tasks.values()):
            if any(value is payload for value in catcher.internal_data.values()):
                names = self.elements.get(catcher.task_spec.bpmn_id, {}).get("error_variables", {})
                payload.update({names[k]: v for k, v in (("code", code), ("message", message)) if k in names})

    def fire_timer(self, task_id) -> bool:
        """Force a waiting timer to fire now (the scheduler decided it is due); False if it is gone."""
        task = self.workflow.get_task_from_id(task_id) if task_id in self._task_ids() else None
        timers = [d for d, _ in reports.awaited(task) if isinstance(d, TimerEventDefinition)] if task else []
        if task is None or not timers or task.state != TaskState.WAITING:
            return False
        value = task.internal_data.get("event_value")
        if isinstance(value, dict) and value.get("cycles", 0) != 0:
            elapse(value)  # a cycle fires once per elapsed period: make exactly this period elapse now
        else:
            task.internal_data["event_fired"] = True
        try:
            task.task_spec._update(task)
        except SpiffWorkflowException as exc:
            self.error = self._step_error(exc)
            return True
        self.advance()
        return True

    def fire_start_timers(self) -> None:
        """An instance started by its timer start event: that event has fired, once."""
        for task in list(self.workflow.event_manager.tasks.values()):
            definition = getattr(task.task_spec, "event_definition", None)
            if isinstance(definition, TimerEventDefinition) and reports.is_start(task):
                if isinstance(definition, CycleTimerEventDefinition):
                    # One period elapsed and none left: one path starts, then the event completes.
                    past = (datetime.now(UTC) - timedelta(seconds=1)).isoformat()
                    task.internal_data["event_value"] = {"cycles": 1, "next": past, "duration": 1e9}
                    task.task_spec._update(task)
                else:
                    task.internal_data["event_fired"] = True
                task.task_spec._update(task)
        self.advance()
