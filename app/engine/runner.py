"""Running one workflow: start, load, act (complete, message, timer), step, and report what changed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property, wraps

from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import (
    SignalEventDefinition,
)
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState

from app.engine import message_waits, reports, visits
from app.engine import state as live
from app.engine.call_activity import CalledElements, CalledSpecs, calls_processes, own_element_ids
from app.engine.conditional_events import fire_met_conditions
from app.engine.data import copy_value
from app.engine.errors import CompletionFailed, NotReady, StepError
from app.engine.execution_facts import ExecutionFacts, hold, release
from app.engine.implicit_splits import shown_element
from app.engine.message_waits import Correlation
from app.engine.messages import message_event
from app.engine.recovery import Recovery
from app.engine.reports import HistoryRecord
from app.engine.scope import (
    keep_message_starts,
    loop_siblings,
    task_variables,
)
from app.engine.scripting import BatonScriptEngine
from app.engine.signals import signal_event
from app.engine.speedups import ready_tasks
from app.engine.step_reporting import StepReporting
from app.engine.timers import count_in_business_time
from app.engine.worker_acts import WorkerActs

# Engine tasks run between two prunes inside one advance: the library's task iterator stops at
# depth 1000, so a loop of script tasks must be re-rooted well before its tree gets that deep.
CHUNK = 25


class _ChunkDone(Exception):
    """Raised by the completion callback to pause do_engine_steps so the tree can be pruned."""


@dataclass
class ProcessBundle:
    """What a deployed definition gives the engine; built once per definition and cached."""

    spec: object
    subprocess_specs: dict
    elements: dict
    bindings: object = None  # resolves decisions and called processes when reached (app.engine.bindings)
    clock: object = None  # the definition's business calendar (.add(start, duration)); None: wall clock

    @cached_property
    def visit_limits(self) -> dict[str, int]:
        return visits.limits(self.elements)

    @cached_property
    def calls(self) -> bool:
        """Whether it has a call activity bound when reached (so each workflow keeps its own specs)."""
        return self.bindings is not None and calls_processes(self.spec, self.subprocess_specs)

    @cached_property
    def own_element_ids(self) -> frozenset:
        return own_element_ids(self.spec, self.subprocess_specs)

    def subprocess_specs_for_a_workflow(self) -> dict:
        return CalledSpecs(self.subprocess_specs, self.bindings) if self.calls else self.subprocess_specs


class Runner(WorkerActs, Recovery, StepReporting):
    """Wraps one BpmnWorkflow; the only object outside the engine that touches SpiffWorkflow state."""

    def __init__(self, bundle: ProcessBundle, workflow: BpmnWorkflow, facts: ExecutionFacts | None = None):
        self.bundle, self.workflow, self.error = bundle, workflow, None
        self.facts = facts  # what `execution` tells expressions of the instance (while it acts)
        self._history: list[HistoryRecord] = []  # records of tasks pruned during advance
        self.had_message_waits = False

    @classmethod
    def start(
        cls,
        bundle: ProcessBundle,
        variables: dict,
        message: tuple[str, dict] | None = None,
        signal=None,
        facts: ExecutionFacts | None = None,
    ) -> Runner:
        """A new instance. With `message` (name, payload) it starts at the start event(s) catching
        that message, as Camunda does; its other start events (a none start too) are not taken.
        With `signal` (a name) it starts at the start events catching that signal, given `variables`."""
        specs = bundle.subprocess_specs_for_a_workflow()
        workflow = BpmnWorkflow(bundle.spec, specs, script_engine=cls._engine(bundle))
        start = workflow.task_tree
        start.data.update(copy_value(variables))
        for task in ready_tasks(workflow):
            task.data.update(copy_value(variables))  # each task owns its values
        if message is not None:
            keep_message_starts(workflow, message[0])
        elif signal is not None:
            keep_message_starts(workflow, signal, SignalEventDefinition)
        runner = cls(bundle, workflow, facts)
        runner.advance()
        if message is not None:
            runner.deliver_message(*message)
        elif signal is not None:
            runner.deliver_signal(signal, variables)
        return runner

    @classmethod
    def load(cls, bundle: ProcessBundle, state: str, facts: ExecutionFacts | None = None) -> Runner:
        specs = bundle.subprocess_specs_for_a_workflow()
        runner = cls(bundle, live.load(state, bundle.spec, specs, cls._engine(bundle)), facts)
        runner.had_message_waits = bool(runner.workflow.event_manager.tasks) and bool(
            reports.waiting_messages(runner.workflow)
        )
        return runner

    @staticmethod
    def _engine(bundle: ProcessBundle) -> BatonScriptEngine:
        return BatonScriptEngine(bindings=bundle.bindings)

    @property
    def elements(self) -> Mapping:
        """The extensions of every element this instance may run: its definition's, and those of the
        processes its call activities bound (looked up when asked, so calls made by a step count)."""
        specs = self.workflow.subprocess_specs
        if not isinstance(specs, CalledSpecs):
            return self.bundle.elements
        return CalledElements(self.bundle.elements, self.bundle.own_element_ids, specs)

    # --- acting -------------------------------------------------------------------------------
    def advance(self) -> None:
        """Run engine steps until every token waits (user task, timer, message) or the process ends."""
        fired: set = set()
        try:
            while not self._run_chunk() or fire_met_conditions(self.workflow, fired):
                self._collect_and_prune()
            if self.bundle.clock is not None:
                count_in_business_time(self.workflow, self.bundle.clock)
        except SpiffWorkflowException as exc:
            self.error = self._step_error(exc)
            return
        except visits.CapReached as reached:  # an engine task past its maxVisits: it did not run
            self.error = visits.escalate(self.workflow, reached.task, self.bundle.visit_limits)
            if self.error is None:
                self.advance()
            return
        capped = visits.enforce(self.workflow, self.bundle.visit_limits)  # maxVisits: escalate past the cap
        if isinstance(capped, StepError):
            self.error = capped
        elif capped:
            self.advance()

    def _run_chunk(self) -> bool:
        """Run up to CHUNK engine tasks; True when nothing is left to run."""
        done = 0

        caps = self.bundle.visit_limits

        def enter(task):
            visits.before_run(self.workflow, caps, task)
            live.mark_entered(task)

        def count(_task):
            nonlocal done
            done += 1
            if done >= CHUNK:
                raise _ChunkDone

        try:
            self.workflow.do_engine_steps(will_complete_task=enter, did_complete_task=count)
        except _ChunkDone:
            return False
        return True

    def _collect_and_prune(self) -> None:
        # Pruning drops finished tasks: keep their history records for result() first.
        tasks = [t for wf in live.all_workflows(self.workflow) for t in wf.tasks.values()]
        self._history.extend(reports.record(t) for t in tasks if reports.loggable(t))
        if not self.workflow.is_completed():
            live.prune(self.workflow)

    def complete_user_task(self, task_id, data: dict, actor: str | None) -> None:
        task = self._ready_manual_task(task_id)
        task.data.update(data)
        task.internal_data[live.ACTOR] = actor
        try:
            task.run()
        except SpiffWorkflowException as exc:
            # Its own output mapping failed: the caller refuses the completion (as Camunda 7 does),
            # or keeps it as the runner's error (an incident) when no person is there to be told.
            error = self._step_error(exc)
            raise CompletionFailed(
                error.message, element_id=error.element_id, task_id=error.task_id, kind="expression"
            )
        self.advance()

    def deliver_message(self, name: str, payload: dict, correlation: Correlation | None = None) -> int:
        """Deliver a message; returns how many waiting tasks caught it. With `correlation` it reaches
        one wait, or each with all (message_waits; AmbiguousMessage when one is asked for and
        several match); without, every task waiting for it (a message start, Baton's own messages)."""
        definition = message_waits.awaited_definition(self.workflow, name)
        if definition is None:
            return 0
        event = message_event(definition, payload)
        if correlation is None:
            caught = self.workflow.event_manager.catch(event, internal=False)
        else:
            tasks = message_waits.reached(self.workflow, event, correlation)
            caught = message_waits.catch(self.workflow, event, tasks)
        if caught:
            self.advance()
        return caught

    def deliver_signal(self, name: str, payload: dict) -> int:
        """Deliver a signal to every catch event waiting for it; returns how many caught it."""
        waits = (d for t in list(self.workflow.event_manager.tasks.values()) for d, _ in reports.awaited(t))
        found = (d for d in waits if isinstance(d, SignalEventDefinition) and d.name == name)
        definition = next(found, None)
        if definition is None:
            return 0
        caught = self.workflow.event_manager.catch(signal_event(definition, payload), internal=False)
        if caught:
            self.advance()
        return caught

    def cancel(self) -> None:
        self.workflow.cancel()

    def _ready_manual_task(self, task_id):
        task = self.workflow.get_task_from_id(task_id) if task_id in self._task_ids() else None
        if task is None or task.state != TaskState.READY or not task.task_spec.manual:
            raise NotReady(f"task {task_id} is not ready to be completed")
        return task

    def task_data(self, task_id) -> dict | None:
        """What a task sees (its local inputs, a loop instance's element variable); None if gone."""
        task = self.workflow.get_task_from_id(task_id) if task_id in self._task_ids() else None
        return None if task is None else dict(task_variables(task))

    def round_siblings(self, task_id) -> set | None:
        """Ids of the other instances of the multi-instance round user task `task_id` is in; None
        when it is no loop instance (or is gone)."""
        task = self.workflow.get_task_from_id(task_id) if task_id in self._task_ids() else None
        siblings = loop_siblings(task) if task is not None else set()
        return siblings or None

    def _task_ids(self) -> set:
        return {tid for wf in live.all_workflows(self.workflow) for tid in wf.tasks}

    def failed_task(self, task_id, element_id: str | None = None):
        """The task in ERROR with this id, else (no id) the one of `element_id`; None if none is."""
        if task_id is not None:
            task = self.workflow.get_task_from_id(task_id) if task_id in self._task_ids() else None
            return task if task is not None and task.state == TaskState.ERROR else None
        tasks = (t for wf in live.all_workflows(self.workflow) for t in wf.tasks.values())
        failed = (t for t in tasks if t.state == TaskState.ERROR)
        return next((t for t in failed if shown_element(t.task_spec) == element_id), None)

    def _step_error(self, exc: SpiffWorkflowException) -> StepError:
        task = getattr(exc, "task", None)
        # An exclusive gateway with no true condition names only its spec: its task is the failed one.
        spec = getattr(task, "task_spec", None) or getattr(exc, "task_spec", None)
        element_id = shown_element(spec) if spec is not None else None
        if task is None and spec is not None:
            task = self.failed_task(None, element_id)
        return StepError(
            str(exc.args[0]) if exc.args else str(exc),
            element_id=element_id,
            task_id=getattr(task, "id", None),
            kind=_error_kind(spec),
        )


def _error_kind(spec) -> str:
    """What failed, for the incident: a gateway's conditions, a decision, else a script or expression."""
    names = " ".join(cls.__name__ for cls in type(spec).__mro__)
    return "gateway" if "Gateway" in names else "decision" if "DecisionTask" in names else "script"


def _holding_facts(act):
    @wraps(act)
    def acting(self, *args, **kwargs):
        token = hold(self.facts)
        try:
            return act(self, *args, **kwargs)
        finally:
            release(token)

    return acting


# Every act that may evaluate an expression (result() too: a new user task's assignee, due date...).
_ACTS = ("advance", "complete_user_task", "deliver_message", "deliver_signal", "cancel", "result", "retry")
_WORKER_ACTS = ("merge_into_service_task", "complete_service_task", "throw_bpmn_error", "fire_timer")
for _act in (*_ACTS, *_WORKER_ACTS, "fire_start_timers"):
    setattr(Runner, _act, _holding_facts(getattr(Runner, _act)))
