"""Running a failed task again when an incident is retried. A mixin of Runner (app/engine/runner.py),
which supplies the workflow, `advance`, `failed_task` and `_step_error`."""

from __future__ import annotations

from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask
from SpiffWorkflow.bpmn.specs.mixins.unstructured_join import UnstructuredJoin
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState

from app.engine import timer_faults
from app.engine.data import copy_value
from app.engine.errors import NotReady
from app.engine.runner_parts import RunnerParts


class Recovery(RunnerParts):
    def retry(
        self, task_id, variables: dict | None = None, element_id: str | None = None, completing: bool = False
    ) -> None:
        """Run a failed task again (ERROR -> READY -> run), with corrected variables if given.

        Without `task_id` (incidents recorded before gateways named their task) the failed task of
        `element_id` is the one. `completing`: a user task whose completion failed is completed again.
        """
        task = self.failed_task(task_id, element_id)
        if task is None:
            raise NotReady(f"nothing has failed at '{element_id or task_id}' any more")
        self.error = None
        task.data.update(copy_value(variables or {}))
        if isinstance(task.task_spec, UnstructuredJoin) and task.parent is not None:
            # An inclusive or parallel gateway takes its data from the branches that reached it
            # when it runs (app.engine.fixes), not from itself: the corrected variables go there.
            task.parent.data.update(copy_value(variables or {}))
        if isinstance(task.task_spec, SubWorkflowTask) and task.id not in self.workflow.subprocesses:
            return self._start_call_again(task)  # it failed to start (its called process was missing)
        if timer_faults.is_timer(task):
            return self._wait_again(task, variables or {})
        task._set_state(TaskState.READY)
        if task.task_spec.manual and not completing:
            return  # a user task that failed on its way in waits for its person again, it is not run
        try:
            task.run()
        except SpiffWorkflowException as exc:
            self.error = self._step_error(exc)
            return
        self.advance()

    def _wait_again(self, task, variables: dict) -> None:
        if task.parent is not None:  # a waiting event takes its parent's data again at every step
            task.parent.data.update(copy_value(variables))
        try:
            timer_faults.wait_again(task)  # a timer waits for its (corrected) time, it is not run
        except SpiffWorkflowException as exc:
            self.error = self._step_error(exc)
            return
        self.advance()

    def _start_call_again(self, task) -> None:
        task._set_state(TaskState.WAITING)
        try:
            task.task_spec.start_workflow(task)
        except SpiffWorkflowException as exc:
            self.error = self._step_error(exc)
            return
        task._set_state(TaskState.STARTED)
        self.advance()
