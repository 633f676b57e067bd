"""What a step did, as Runner reports it after every act: the StepResult the services persist
(status, variables, open user tasks, waits, service calls, history, the pruned saved state).

A mixin of Runner (app/engine/runner.py); runner_parts.RunnerParts declares what it uses of it.
"""

from __future__ import annotations

import time

from SpiffWorkflow.util.task import TaskState

from app.engine import reports
from app.engine import state as live
from app.engine.branch_ends import is_waiting_end, kept_at_end
from app.engine.event_subprocess import listening_task_ids
from app.engine.reports import REACHED, HistoryRecord, ReadyUserTask, ServiceCall, StepResult
from app.engine.runner_parts import RunnerParts
from app.engine.scope import active_elements, process_variables, task_variables
from app.engine.signals import take_thrown_signals
from app.engine.specs import BatonServiceTask


class StepReporting(RunnerParts):
    def result(self) -> StepResult:
        """Collect history, mark what was reached, prune, and serialise: one call per save."""
        listening = listening_task_ids(self.workflow)
        tasks = [
            t for wf in live.all_workflows(self.workflow) for t in wf.tasks.values() if t.id not in listening
        ]
        now = time.time()
        for task in tasks:
            if task.has_state(REACHED):
                live.mark_entered(task, now)
        history = [*self._history, *(reports.record(t) for t in tasks if reports.loggable(t))]
        self._history = []
        completed = self.workflow.is_completed()
        reached = sorted((t for t in tasks if t.has_state(REACHED)), key=lambda t: t.last_state_change)
        variables = self._variables(reached, completed)
        ends = [t for t in reached if is_waiting_end(t)]  # branches that ended while others run
        if not completed:
            live.prune(self.workflow)
        return StepResult(
            status=self._status(completed, reached),
            variables=variables,
            active_elements=active_elements(reached),
            user_tasks=_user_tasks(reached, ends),
            messages=reports.waiting_messages(self.workflow),
            had_message_waits=self.had_message_waits,
            waiting_timers=reports.waiting_timers(self.workflow),
            service_tasks=_service_calls(reached, ends),
            history=history,
            signals=take_thrown_signals(self.workflow),
            state=None if completed else live.dump(self.workflow),
            error=self.error,
            elements=self.elements,
        )

    def _status(self, completed: bool, reached) -> str:
        if completed:
            return "completed"
        if self.error is not None or any(t.state == TaskState.ERROR for t in reached):
            return "failed"
        return "waiting"

    def open_records(self) -> list[HistoryRecord]:
        """What the instance is in now and has not finished (reports.open_records)."""
        return reports.open_records(self.workflow)

    def _variables(self, reached, completed: bool) -> dict:
        if completed:
            last = self.workflow.last_task
            done = dict(last.data) if last is not None else dict(self.workflow.data)
            # A terminate end cancelled the end join where ended branches' values waited: kept still.
            return kept_at_end(self.workflow, done)
        return process_variables(reached)


def _user_tasks(reached, ends) -> list[ReadyUserTask]:
    return [
        ReadyUserTask(t.id, t.task_spec.bpmn_id, t.task_spec.bpmn_name, task_variables(t, ends))
        for t in reached
        if t.state == TaskState.READY and t.task_spec.manual
    ]


def _service_calls(reached, ends) -> list[ServiceCall]:
    return [
        ServiceCall(t.id, t.task_spec.bpmn_id, dict(task_variables(t, ends)))
        for t in reached
        if t.state == TaskState.STARTED and isinstance(t.task_spec, BatonServiceTask)
    ]
