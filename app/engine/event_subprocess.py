"""Event subprocesses (triggeredByEvent="true") as BPMN 2.0 (10.3.5) defines them.

What SpiffWorkflow 3.2 does instead: its Camunda parser ignores triggeredByEvent, so the
handler runs as a plain subprocess the moment the process starts (an error or escalation start
event is read as a none start event, so that handler runs at once too); message and signal starts are
only wired up as "trigger specs" of the top process (an uncaught error end event then crashes
the save with an unserialisable event); `isInterrupting` is read nowhere, so a fired event
subprocess never cancels anything, and fires at most once.

Baton's rule: every event subprocess listens from the moment its enclosing (sub)process starts
(its start event waits like any catch event, so messages, signals, errors, escalations and timers
all reach it through the event manager, and timers appear in StepResult.waiting_timers). When it
fires, an interrupting one cancels the enclosing process's other work, listeners included; a
non-interrupting one leaves everything running and arms a fresh listener, so it can fire again.
When the enclosing process's own work is done, listeners that never fired are cancelled (see
fixes: the end join no longer waits for them).
"""

from __future__ import annotations

from SpiffWorkflow.bpmn.parser.event_parsers import (
    CONDITIONAL_EVENT_XPATH,
    ERROR_EVENT_XPATH,
    ESCALATION_EVENT_XPATH,
    MESSAGE_EVENT_XPATH,
    SIGNAL_EVENT_XPATH,
    TIMER_EVENT_XPATH,
)
from SpiffWorkflow.bpmn.parser.ProcessParser import ProcessParser
from SpiffWorkflow.bpmn.parser.util import full_tag
from SpiffWorkflow.bpmn.specs.defaults import EventSubprocess, StartEvent, SubWorkflowTask
from SpiffWorkflow.bpmn.specs.event_definitions.conditional import ConditionalEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import ErrorEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import CycleTimerEventDefinition, TimerEventDefinition
from SpiffWorkflow.util.task import TaskState

from app.engine import compensation, io_mapping
from app.engine.data import copy_value

FIRED = "baton_esp_fired"
LIVE = TaskState.READY | TaskState.WAITING | TaskState.STARTED
_ESP_XPATHS = [
    MESSAGE_EVENT_XPATH,
    SIGNAL_EVENT_XPATH,
    TIMER_EVENT_XPATH,
    CONDITIONAL_EVENT_XPATH,
    ERROR_EVENT_XPATH,
    ESCALATION_EVENT_XPATH,
]


class BatonEventSubprocess(EventSubprocess):
    """An event subprocess task: STARTED while it listens, FIRED once its start event caught."""

    event_triggered = True  # not a scope of its own for compensation


class CompensationEventSubprocess(SubWorkflowTask):
    """An event subprocess with a compensation start event: it never listens; it runs as the
    compensation handler of its completed sub-process (app.engine.compensation)."""

    event_triggered = True

    def test(self):
        pass  # the library's check wants an incoming flow; a handler never has one


class EventSubprocessStart(StartEvent):
    """The start event of an event subprocess; `cancel_activity` is its isInterrupting."""

    def __init__(self, wf_spec, bpmn_id, event_definition, cancel_activity=True, **kwargs):
        super().__init__(wf_spec, bpmn_id, event_definition, **kwargs)
        self.cancel_activity = cancel_activity

    def _run_hook(self, my_task):
        owner = listener_of(my_task)
        if owner is not None:
            current = _current_data(owner)
            my_task.data.update(copy_value(current))
            io_mapping.rebase(my_task, current)  # what Zeebe output mappings give back to
            edge = isinstance(self.event_definition, ConditionalEventDefinition)
            fire(owner, self.cancel_activity, _fires_again(self.event_definition), edge)
        return super()._run_hook(my_task)


def listener_of(task):
    """The event subprocess task whose subworkflow `task` belongs to, if any."""
    parent_id = task.workflow.parent_task_id
    if parent_id is None:
        return None
    parent = task.workflow.top_workflow.get_task_from_id(parent_id)
    return parent if isinstance(parent.task_spec, BatonEventSubprocess) else None


def is_listening(task) -> bool:
    return isinstance(task.task_spec, BatonEventSubprocess) and not task.internal_data.get(FIRED)


def listening_task_ids(top) -> set:
    """Ids of listening event subprocess tasks and of the tasks inside them (their start events):
    nothing there has happened yet, so none of it is active or belongs in the history."""
    from app.engine.state import all_workflows

    ids = set()
    for wf in all_workflows(top):
        for task in wf.tasks.values():
            if is_listening(task) and not task.has_state(TaskState.FINISHED_MASK):
                ids.add(task.id)
                inner = top.subprocesses.get(task.id)
                ids.update(inner.tasks if inner is not None else ())
    return ids


def _current_data(esp_task) -> dict:
    # The event subprocess sees the enclosing process's variables as they are now: as the instance
    # shows them, so not a loop instance's element variable or loopCounter nor a task's local inputs.
    from app.engine.scope import in_loop  # (scope reads the engine's state, which reads this module)

    merged: dict = {}
    tasks = sorted(esp_task.workflow.tasks.values(), key=lambda t: t.last_state_change)
    for task in tasks:
        if (
            task.has_state(LIVE)
            and not isinstance(task.task_spec, BatonEventSubprocess)
            and not in_loop(task)
        ):
            merged.update(io_mapping.process_view(task))
    return merged


def _fires_again(definition) -> bool:
    # A date or duration timer happens once; messages, signals, escalations and cycles recur.
    return not isinstance(definition, TimerEventDefinition) or isinstance(
        definition, CycleTimerEventDefinition
    )


def fire(esp_task, interrupting: bool, again: bool = True, edge: bool = False) -> None:
    """The event subprocess `esp_task` fires; a non-interrupting one listens again (`edge`: its
    conditional start fires when its condition next becomes true, not at once)."""
    from app.engine.conditional_events import rearm
    from app.engine.state import mark_entered

    esp_task.internal_data[FIRED] = True
    mark_entered(esp_task)  # it is entered when it fires, not while it listened
    if interrupting:
        _cancel_siblings(esp_task)
    elif again:
        listener = esp_task.parent._add_child(esp_task.task_spec, TaskState.FUTURE)
        if edge:
            rearm(listener)
        listener.task_spec._update(listener)  # a fresh one: a non-interrupting event may fire again


def _cancel_siblings(esp_task) -> None:
    keep = {esp_task.id, *(t.id for t in esp_task)}  # itself and the path after it
    node = esp_task.parent
    while node is not None:
        keep.add(node.id)
        node = node.parent
    for task in list(esp_task.workflow.tasks.values()):
        if task.id not in keep and not task.has_state(TaskState.FINISHED_MASK):
            task.cancel()


def cancel_listeners(workflow) -> None:
    """The enclosing process finished its work: event subprocesses that never fired stop listening."""
    for task in list(workflow.tasks.values()):
        if is_listening(task) and not task.has_state(TaskState.FINISHED_MASK):
            task.cancel()


def _in_event_subprocess(node) -> bool:
    parent = node.getparent()
    return (
        parent is not None
        and parent.tag == full_tag("subProcess")
        and parent.get("triggeredByEvent") == "true"
    )


def start_event_parser(base):
    """The start event parser, reading error/escalation triggers and isInterrupting in event subprocesses."""

    class EventSubprocessStartParser(base):
        def create_task(self):
            if not _in_event_subprocess(self.node) or self.node.find(compensation.COMPENSATE) is not None:
                return super().create_task()
            definition = self.get_event_definition(_ESP_XPATHS)
            self.spec_class = EventSubprocessStart
            # An error start event always interrupts (BPMN 2.0, table 10.86).
            interrupting = self.node.get("isInterrupting") != "false" or isinstance(
                definition, ErrorEventDefinition
            )
            task = self._create_task(definition, cancel_activity=interrupting)
            # Its mappings (a caught error's variables reach the process only through Zeebe
            # outputs, as in Camunda 8): the hooks' create_task, bypassed here, attached them.
            io_mapping.attach(task, io_mapping.read(self.node))
            self.spec.start.connect(task)
            return task

    return EventSubprocessStartParser


def subprocess_parser(base):
    class EventSubprocessParser(base):
        def create_task(self):
            if self.node.get("triggeredByEvent") != "true":
                return super().create_task()
            if compensation.is_compensation_event_subprocess(self.node):
                self.spec_class = CompensationEventSubprocess
                return super().create_task()
            # The Camunda parser reads no triggeredByEvent: it ran the handler as a plain subprocess.
            self.spec_class = BatonEventSubprocess
            return super().create_task()

    return EventSubprocessParser


class BatonProcessParser(ProcessParser):
    """Connect every event subprocess as a listener from the start (the library only does so for
    none and timer starts; the rest became top-level trigger specs that subprocesses never see)."""

    def get_boundary_events(self, attached_to_ref):
        # A compensation boundary event is not an event the activity waits for (app.engine.compensation).
        events = super().get_boundary_events(attached_to_ref)
        return [node for node in events if not compensation.is_compensation_boundary(node)]

    def add_tasks(self):
        super().add_tasks()
        compensation.add_handlers(self)
        start = self.spec.start
        for node in self.xpath("./bpmn:subProcess[@triggeredByEvent='true']"):
            task_spec = self.spec.task_specs[node.get("id")]
            if compensation.is_compensation_event_subprocess(node):
                _disconnect(start, task_spec)
                _disconnect(task_spec, self.spec.end)
                continue
            if task_spec not in start.outputs:
                start.connect(task_spec)
                task_spec.connect(self.spec.end)
            if task_spec.spec in start.trigger_specs:
                start.trigger_specs.remove(task_spec.spec)


def _disconnect(source, target) -> None:
    if target.name in source._outputs:
        source._outputs.remove(target.name)
    if source.name in target._inputs:
        target._inputs.remove(source.name)


def parser_overrides(classes: dict) -> dict:
    """Wrap the current start event and subprocess parsers (BatonParser uses it)."""
    start_parser, start_spec = classes[full_tag("startEvent")]
    sub_parser, sub_spec = classes[full_tag("subProcess")]
    return {
        full_tag("startEvent"): (start_event_parser(start_parser), start_spec),
        full_tag("subProcess"): (subprocess_parser(sub_parser), sub_spec),
    }
