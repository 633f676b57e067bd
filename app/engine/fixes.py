"""Fixes for SpiffWorkflow 3.2 faults that a server cannot live with, applied once at import.

Each patch replaces one library function and says which fault it closes. They are process-wide
on purpose: nothing outside app/engine uses SpiffWorkflow, and a half-patched engine would be
worse than either. `unpatched()` restores the library for tests that prove a fault exists.

- DeepMerge.merge: de-duplicated lists, ignored order, shared nested objects between tasks
  (see app.engine.data for the rules that replace it).
- UnstructuredJoin (parallel and inclusive gateways): merged stale branches from earlier loop
  turns; now the documented last-branch-to-complete-wins rule.
- TaskSpec._run: a variable that is not a JSON value fails the task that produced it.
- Task.run: ran a task in any state; only a READY task runs now.
- _EndJoin (a process's end): waited for every unfinished task, so an event subprocess that
  listens but never fires kept its process open forever; listeners are cancelled instead. A
  branch that ended while others ran lost its variables once pruned: app.engine.branch_ends.
- ErrorEventDefinition.throw: an error that no boundary event or event subprocess caught, at
  any level, was dropped and the process went on as if the activity had succeeded; now the
  throwing task fails (an incident), as BPMN 2.0 (10.5.5) leaves an uncaught error unresolved.
- CodeEventDefinition.throw, EventManager.catch: an error or escalation was taken by every matching
  catch event of the thrower's process (a boundary event of a parallel branch's task too), and by
  a catch-all and a specific one together; the innermost scope takes it now (app.engine.error_scopes).
- CatchingEvent._update_hook: a timer whose value is no date or duration escaped as a bare error
  and left nothing to retry; it fails its event as an incident now (app.engine.timer_faults).
- TimerEventDefinition.get_datetime, parse_time_or_duration: a date and time naming its zone
  (`@Europe/Berlin`, `[Europe/Berlin]`) was no date.
- Task._set_state: built a log record's text and extras (a dict, two state names) on every state
  change even though spiff's INFO records are not written (app/__init__.py); a timer fire changes ten.
- SubWorkflowTask.start_workflow: a call activity or subprocess was timed as entered at the end of
  the step that started it, after the work inside it; it is entered when it starts now.
- EventBasedGateway._run_hook: kept the events it caught (library objects) in the gateway's
  internal data, so a state holding the passed gateway could not be saved; they are dropped once
  the gateway has chosen its path.
- ConditionalEventDefinition.has_fired: a re-armed non-interrupting conditional event whose
  condition still held fired again at once, without end; it fires when its condition next becomes
  true (app.engine.conditional_events, which also checks waiting conditions after each step).
- BoundaryEvent._run_hook: a non-interrupting boundary event fired once and listened no more,
  though its activity was still open; it re-arms now (messages, signals, escalations: Camunda
  catches each while the activity runs; a date or duration timer happens once, and a cycle
  repeats in the library already). And an interrupting one went on with the data from before its
  activity began: what the activity's finished parts wrote (the votes cast before a deadline, an
  approval stage's first step) was lost, though in Camunda it is the process's at once; its path
  takes it now (app.engine.interrupted). (A non-interrupting event's path runs beside the
  activity: were it to carry a copy of the votes and end first, app.engine.branch_ends would take
  that copy for news of its own.)
- The tree walks for READY and WAITING tasks around every task run, and the task list built for
  each new workflow's silenced log record: equivalent faster versions in app.engine.speedups.

Camunda multi-instance rewrote the shared, cached spec on its first run; Baton parses
multi-instance activities itself (app.engine.multi_instance) without touching the spec.
"""

from __future__ import annotations

import logging
import time
from contextlib import contextmanager
from uuid import UUID

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.specs.control import _EndJoin
from SpiffWorkflow.bpmn.specs.event_definitions.conditional import ConditionalEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import (
    CodeEventDefinition,
    ErrorEventDefinition,
)
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent, EventBasedGateway
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import EventSubprocess, SubWorkflowTask
from SpiffWorkflow.bpmn.specs.mixins.unstructured_join import UnstructuredJoin
from SpiffWorkflow.bpmn.util.event import EventManager
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.specs.base import TaskSpec
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.deep_merge import DeepMerge
from SpiffWorkflow.util.task import TaskState
from SpiffWorkflow.workflow import Workflow

from app.engine import (
    branch_ends,
    conditional_events,
    data,
    error_scopes,
    interrupted,
    speedups,
    timer_faults,
)

ARRIVED = "baton_arrived"  # internal_data of a join task: ids of the join tasks that arrived before


class TaskNotReadyError(WorkflowTaskException):
    """Something asked to run a task that is not READY (done, waiting, failed or cancelled)."""


def _merge(a, b, path=None):
    return data.merge(a, b)


def _join_update_hook(self, my_task):
    end_join = isinstance(self, _EndJoin)
    arrived = list(my_task.internal_data.get(ARRIVED, []))
    for other in my_task.workflow.tasks.values():
        if other.task_spec is self and other is not my_task and other.state == TaskState.WAITING:
            arrived += [*other.internal_data.get(ARRIVED, []), str(other.id)]
            if end_join:
                branch_ends.carry(my_task, other)
    may_fire = _ORIGINALS[(UnstructuredJoin, "_update_hook")](self, my_task)
    my_task.internal_data[ARRIVED] = list(dict.fromkeys(arrived))
    if end_join and not may_fire:
        branch_ends.keep(my_task)  # a branch ended while others run: what it set stays
    return may_fire


def _join_run_hook(self, my_task):
    tasks = my_task.workflow.tasks
    arrivals = [tasks[UUID(i)] for i in my_task.internal_data.get(ARRIVED, []) if UUID(i) in tasks]
    ends = [t.parent for t in [*arrivals, my_task] if t.parent is not None]
    if ends:
        base = _common_ancestor(ends)
        my_task.data = data.merge_branches(base.data, [t.data for t in ends])
        if isinstance(self, _EndJoin):
            branch_ends.restore(my_task)
    return True


def _common_ancestor(tasks):
    from app.engine.state import lowest_common_ancestor

    return lowest_common_ancestor(tasks)


def _spec_run(self, my_task):
    before = dict(my_task.data)
    result = _ORIGINALS[(TaskSpec, "_run")](self, my_task)
    problem = data.json_problem(my_task.data)
    if problem:
        my_task.data = before  # keep the state storable; the retry runs the task again
        my_task.error()
        raise WorkflowTaskException(problem, task=my_task)
    return result


def _task_run(self):
    if self.state != TaskState.READY:
        state = TaskState.get_name(self.state)
        raise TaskNotReadyError(f"task is {state}; only a READY task can run", task=self)
    return _ORIGINALS[(Task, "run")](self)


_TASK_LOG = logging.getLogger("spiff.task")


def _set_state(self, value: int) -> None:
    if value != self.state:
        elapsed = time.time() - self.last_state_change
        self.last_state_change = time.time()
        self._state = value
        if _TASK_LOG.isEnabledFor(logging.INFO):
            extra = self.collect_log_extras({"elapsed": elapsed})
            _TASK_LOG.info(f"State changed to {TaskState.get_name(value)}", extra=extra)
    elif _TASK_LOG.isEnabledFor(logging.DEBUG):
        _TASK_LOG.debug(f"State set to {TaskState.get_name(value)}", extra=self.collect_log_extras())


_start_subworkflow = SubWorkflowTask.start_workflow


def _subworkflow_start(self, my_task):
    # A (sub-)process activity is started by the library outside the engine-step callbacks that
    # time every other task's entry, so it was timed at the step's end, after the work inside it.
    if not isinstance(self, EventSubprocess):  # one that only listens is entered when it fires
        my_task.internal_data.setdefault("baton_in", time.time())  # app.engine.state.ENTERED
    return _start_subworkflow(self, my_task)


def _end_join_threshold(self, my_task):
    from app.engine import event_subprocess as esp

    listeners = {t.id for t in my_task.workflow.tasks.values() if esp.is_listening(t)}

    def keeps_open(task) -> bool:
        return not (task is my_task or task.id in listeners or (task.parent and task.parent.id in listeners))

    return not speedups.walk_finds_unfinished(my_task.workflow, self.name, keeps_open)


def _end_join_run_hook(self, my_task):
    from app.engine import event_subprocess as esp

    esp.cancel_listeners(my_task.workflow)
    return _ORIGINALS[(_EndJoin, "_run_hook")](self, my_task)


def _error_throw(self, my_task):
    top = my_task.workflow.top_workflow
    before = len(top.bpmn_events)
    error_scopes.throw(self, my_task)
    uncaught = [e for e in top.bpmn_events[before:] if e.event_definition is self]
    if uncaught:
        top.bpmn_events = [e for e in top.bpmn_events if e not in uncaught]
        code = self.code or self.name
        raise WorkflowTaskException(
            f"BPMN error '{code}' was not caught by any enclosing scope", task=my_task
        )


def _catch(self, event, internal=True):
    caught = error_scopes.scoped_catch(self, event, internal)
    return _ORIGINALS[(EventManager, "catch")](self, event, internal) if caught is None else caught


def _event_gateway_run_hook(self, my_task):
    chosen = _ORIGINALS[(EventBasedGateway, "_run_hook")](self, my_task)
    my_task.internal_data.pop("seen_events", None)
    return chosen


def _boundary_run_hook(self, my_task):
    if self.cancel_activity:
        _take_activity_data(my_task)  # before the event's own payload, which wins
    done = _ORIGINALS[(BoundaryEvent, "_run_hook")](self, my_task)
    recurs = not isinstance(self.event_definition, TimerEventDefinition)
    if not self.cancel_activity and recurs and _activity_open(my_task):
        again = my_task.parent._add_child(self, TaskState.FUTURE)
        self._predict(again, mask=TaskState.FUTURE | TaskState.PREDICTED_MASK)  # its path, and the join
        if isinstance(self.event_definition, ConditionalEventDefinition):
            conditional_events.rearm(again)
        self._update(again)  # listens again while the activity runs
    return done


def _take_activity_data(boundary_task) -> None:
    """What the interrupted activity had written (app.engine.interrupted), as the instance showed it."""
    for activity in interrupted.attached_activities(boundary_task):
        boundary_task.data.update(data.copy_value(interrupted.written_by(activity)))


def _activity_open(boundary_task) -> bool:
    activities = interrupted.attached_activities(boundary_task)
    return any(not t.has_state(TaskState.FINISHED_MASK) for t in activities)


_PATCHES = {
    (DeepMerge, "merge"): staticmethod(_merge),
    (UnstructuredJoin, "_update_hook"): _join_update_hook,
    (UnstructuredJoin, "_run_hook"): _join_run_hook,
    (TaskSpec, "_run"): _spec_run,
    (Task, "run"): _task_run,
    (Task, "_set_state"): _set_state,
    (SubWorkflowTask, "start_workflow"): _subworkflow_start,
    (_EndJoin, "_check_threshold_unstructured"): _end_join_threshold,
    (_EndJoin, "_run_hook"): _end_join_run_hook,
    (CodeEventDefinition, "throw"): error_scopes.throw,
    (ErrorEventDefinition, "throw"): _error_throw,
    (EventManager, "catch"): _catch,
    (EventBasedGateway, "_run_hook"): _event_gateway_run_hook,
    (BoundaryEvent, "_run_hook"): _boundary_run_hook,
    (ConditionalEventDefinition, "has_fired"): conditional_events.has_fired,
    (CatchingEvent, "_update_hook"): timer_faults.catching_update_hook,
    (TimerEventDefinition, "get_datetime"): staticmethod(timer_faults.get_datetime),
    (TimerEventDefinition, "parse_time_or_duration"): staticmethod(timer_faults.parse_time_or_duration),
    (BpmnWorkflow, "_do_engine_steps"): speedups.do_engine_steps_once,
    (Workflow, "update_waiting_tasks"): speedups.update_waiting_tasks,
    (Workflow, "collect_log_extras"): speedups.collect_log_extras,
}
_OWN = {key for key in _PATCHES if key[1] in key[0].__dict__}
# ErrorEventDefinition inherits its throw from CodeEventDefinition: unpatched() deletes ours.
_ORIGINALS = {key: key[0].__dict__[key[1]] if key in _OWN else getattr(*key) for key in _PATCHES}


def apply() -> None:
    """Install every patch (idempotent)."""
    for (owner, name), replacement in _PATCHES.items():
        setattr(owner, name, replacement)


@contextmanager
def unpatched():
    """Run a block against the library as shipped (tests use it to prove a fault exists)."""
    for (owner, name), original in _ORIGINALS.items():
        if (owner, name) in _OWN:
            setattr(owner, name, original)
        else:
            delattr(owner, name)  # the inherited method shows through again
    try:
        yield
    finally:
        apply()


apply()
