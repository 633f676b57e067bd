"""What Runner's mixins (app/engine/worker_acts.py, recovery.py, step_reporting.py) use of the Runner they
are mixed into, declared once so a type checker can follow them. Nothing here runs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
    from SpiffWorkflow.exceptions import SpiffWorkflowException

    from app.engine.errors import StepError


class RunnerParts:
    workflow: BpmnWorkflow
    error: StepError | None
    had_message_waits: bool
    _history: list

    if TYPE_CHECKING:

        @property
        def elements(self) -> Mapping: ...

        def advance(self) -> None: ...

        def failed_task(self, task_id, element_id: str | None = None): ...

        def _task_ids(self) -> set: ...

        def _step_error(self, exc: SpiffWorkflowException) -> StepError: ...
