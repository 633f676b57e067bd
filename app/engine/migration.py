"""Moving a running workflow onto another version of its process, with SpiffWorkflow's diff.

SpiffWorkflow 3.2 aligns the old version's task specs with the new one's (by element id, else by
their place between aligned neighbours) and `migrate_workflow` re-points each live task at its new
spec, then resets the READY and WAITING tasks so that what follows them is predicted from the new
flows. Baton refuses what it cannot move whole: a token whose element is gone or changed its type,
a call activity in progress (its process was bound at run time, not by this definition), event
subprocesses (their listeners hang off the pruned tree's anchor), and a completed task the saved
state still holds whose element the target lacks (the state could not be read back).

Explicit mappings (app/engine/migration_mappings.py) move a token to an element of another id; with
`update_event_triggers` a waiting timer is counted again from the target's definition at the move.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask
from SpiffWorkflow.bpmn.util.diff import SpecDiff, WorkflowDiff, migrate_workflow
from SpiffWorkflow.util.task import TaskState

from app.engine import migration_mappings as mapped
from app.engine import state as live
from app.engine.call_activity import BatonCallActivity
from app.engine.event_subprocess import BatonEventSubprocess, CompensationEventSubprocess
from app.engine.reports import REACHED, awaited
from app.engine.runner import ProcessBundle, Runner
from app.engine.timers import BUSINESS_DUE

KEPT, MOVED, REMOVED, CHANGED, MAPPED = "kept", "moved", "removed", "changed", "mapped"
RESET = TaskState.READY | TaskState.WAITING  # what migrate_workflow resets and predicts again
# A changed flow around an element is what a migration is for, not a change of the element: one
# reached from elsewhere is "moved", one whose outgoing flows changed is "kept".
_FLOWS = {"inputs", "outputs"}
# What a waiting timer knows of when it falls due; counted again from the target when triggers update.
_TRIGGER = ("event_value", "event_fired", BUSINESS_DUE)


@dataclass
class ActiveElement:
    element_id: str
    name: str | None
    status: str
    target_element_id: str | None  # where its token goes (None: nowhere)


@dataclass
class Plan:
    """What moving a workflow would do: each element a token is in, and why it cannot be moved."""

    active: list[ActiveElement] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class Instructions:
    """How to move: element ids of the current version -> of the target (those not named keep their
    id); and whether a waiting timer's due time is counted again from the target's definition."""

    mappings: dict[str, str] = field(default_factory=dict)
    update_event_triggers: bool = False


def plan(runner: Runner, target: ProcessBundle, mappings: dict[str, str] | None = None) -> Plan:
    """The dry run: compare the runner's live tasks with the target version's specs (the caller
    checked `mappings` with migration_mappings.check)."""
    found = Plan(problems=_unsupported(runner, target))
    try:
        diffs = _diffs(runner.workflow, target, mappings or {})
    except KeyError as exc:  # a live task whose spec the diff never reached from the start
        found.problems.append(f"the saved state holds element {exc} which the diff cannot place")
        return found
    for wf, _, spec_diff, diff in diffs:
        _judge(wf, spec_diff, diff, found)
    return found


def migrate(runner: Runner, target: ProcessBundle, how: Instructions, advance: bool = True) -> Runner:
    """Move the workflow onto `target` (the caller checked `plan(...).ok`) and run what became ready;
    without `advance` (a suspended instance) nothing runs, and a move that would leave an engine
    step ready to run is refused instead."""
    workflow = runner.workflow
    diffs = _diffs(workflow, target, how.mappings)
    kept = {t.id: (t.state, t.data, t.internal_data) for t in workflow.get_tasks(state=RESET)}
    workflow.script_engine = Runner._engine(target)  # (a reset timer evaluates the target's expression)
    for wf, new, _, diff in diffs:
        migrate_workflow(diff, wf, new)
        _predict_again(wf)
    workflow.subprocess_specs = target.subprocess_specs_for_a_workflow()
    _restore(workflow, kept, how.update_event_triggers)
    _check_moved(workflow)
    moved = Runner(target, workflow)
    moved.had_message_waits = runner.had_message_waits  # (so the subscriptions are replaced, not added to)
    if advance:
        moved.advance()
    else:
        _check_still(workflow)
    return moved


class _SpecDiff(SpecDiff):
    """SpecDiff, comparing by class and name the specs the serializer has no converter for (a call
    activity: Baton binds its process when reached and never stores the spec); a mapped element is
    aligned with its target whatever SpiffWorkflow's guess was. `intended` names, by old spec name,
    the new spec a token must move to: its mapping's, else its own name."""

    def __init__(self, registry, original, new, mappings: dict[str, str]):
        super().__init__(registry, original, new)
        self.intended: dict[str, str] = {}
        for source, target in mappings.items():
            spec, to = original.task_specs.get(source), new.task_specs.get(target)
            for old, aligned in mapped.counterparts(spec, to, original, new) if spec and to else ():
                self.alignment[old] = aligned
                self.comparisons[old] = self._compare_task_specs(old, aligned)
                self.intended[old.name] = aligned.name
                if aligned in self.added:
                    self.added.remove(aligned)

    def _compare_task_specs(self, spec, candidate):
        if type(spec) is not type(candidate):
            return ["typename"]
        if isinstance(self._registry.convert(spec), dict):
            return super()._compare_task_specs(spec, candidate)
        return [a for a in ("bpmn_name", "outputs", "inputs") if _names(spec, a) != _names(candidate, a)]


def _names(spec, attribute: str):
    value = getattr(spec, attribute)
    return sorted(s.name for s in value) if isinstance(value, list) else value


class MigrationFailed(Exception):
    """The moved workflow still holds a task of the old version: nothing may be saved."""


def _diffs(workflow, target: ProcessBundle, mappings: dict[str, str]) -> list:
    """(workflow, new spec, SpecDiff, WorkflowDiff) of the top workflow and each live sub-process;
    all but the workflow are None for a sub-process the target lacks. (SpiffWorkflow's diff_workflow
    drops the spec diffs, and their attribute comparisons are what tell a renamed element.)"""
    registry, found = live.registry(), []
    for wf in live.all_workflows(workflow):
        name = mappings.get(wf.spec.name, wf.spec.name)  # (a mapped embedded sub-process)
        new = target.spec if wf is workflow else target.subprocess_specs.get(name)
        spec_diff = None if new is None else _SpecDiff(registry, wf.spec, new, mappings)
        found.append((wf, new, spec_diff, None if spec_diff is None else WorkflowDiff(wf, spec_diff)))
    return found


def _predict_again(wf) -> None:
    """A running service task or sub-process is not reset: predict what follows it from the new
    flows (a multi-instance keeps its instances: they are its children)."""
    for task in wf.get_tasks(state=TaskState.STARTED, skip_subprocesses=True):
        if not isinstance(task.task_spec, LoopTask):
            task._sync_children(list(task.task_spec.outputs), TaskState.FUTURE)


def _check_moved(workflow) -> None:
    for wf in live.all_workflows(workflow):
        stale = [t for t in wf.tasks.values() if wf.spec.task_specs.get(t.task_spec.name) is not t.task_spec]
        if stale:
            raise MigrationFailed(f"'{_name(stale[0].task_spec)}' would keep its old version's element")


def _restore(workflow, kept: dict, update_triggers: bool) -> None:
    """Give each task the reset left where it was its data back: a user task its local inputs and
    when it was entered, a waiting timer its due time (not one counted again from now: one the
    target's definition made due at the reset waits on), unless triggers update: then the timer
    keeps the reset's count from the target's definition (and fires if that is due)."""
    for task in workflow.get_tasks(state=RESET):
        before = kept.get(task.id)
        if before is None:
            continue
        timer = any(isinstance(d, TimerEventDefinition) for d, _ in awaited(task))
        if timer and update_triggers:
            _keep_new_trigger(task, before)
        elif timer and before[0] == TaskState.WAITING:
            task._set_state(TaskState.WAITING)
            task.workflow.top_workflow.event_manager.add_task(task)  # (a fired one had left it)
            task.data, task.internal_data = before[1], dict(before[2])
        elif task.state == before[0]:
            task.data, task.internal_data = before[1], dict(before[2])


def _keep_new_trigger(task, before: tuple) -> None:
    if task.state != before[0]:
        return  # due at once by the target's definition: it fires
    fresh, task.data, task.internal_data = task.internal_data, before[1], dict(before[2])
    for key in _TRIGGER:
        task.internal_data.pop(key, None)
        if key in fresh:
            task.internal_data[key] = fresh[key]


def _check_still(workflow) -> None:
    """A suspended instance does not move on: refuse a move after which an engine step (a gateway
    whose join the target completes, an event already due) would be ready to run."""
    ready = workflow.get_tasks(state=TaskState.READY, manual=False)
    if ready:
        at = _name(ready[0].task_spec)
        raise MigrationFailed(f"the target would move the suspended instance on at '{at}': resume it first")


def _unsupported(runner: Runner, target: ProcessBundle) -> list[str]:
    problems = []
    for wf in live.all_workflows(runner.workflow):
        for task in wf.get_tasks(state=TaskState.STARTED, skip_subprocesses=True):
            if isinstance(task.task_spec, BatonCallActivity) and task.id in runner.workflow.subprocesses:
                problems.append(
                    f"call activity '{_name(task.task_spec)}' is in progress: the process it calls was "
                    "bound when it was reached and is not migrated"
                )
    for version, bundle in (("its current version", runner.bundle), ("the target version", target)):
        if _has_event_subprocess(bundle):
            problems.append(f"{version} has an event subprocess: such instances are not migrated")
    return problems


def _has_event_subprocess(bundle: ProcessBundle) -> bool:
    kinds = (BatonEventSubprocess, CompensationEventSubprocess)
    specs = (bundle.spec, *bundle.subprocess_specs.values())
    return any(isinstance(t, kinds) for s in specs for t in s.task_specs.values())


def _judge(wf, spec_diff, diff, found: Plan) -> None:
    if diff is None:  # a sub-process the target no longer has
        found.problems.append(f"sub-process '{wf.spec.name}' is in progress and the target lacks it")
        return
    removed = set(diff.removed)
    for task in wf.get_tasks(skip_subprocesses=True):
        spec = task.task_spec
        if task.has_state(REACHED) and getattr(spec, "bpmn_id", None):
            changes = set(spec_diff.comparisons.get(spec) or ()) - _FLOWS
            new = None if task in removed else diff.alignment.get(task)
            intended = spec_diff.intended.get(spec.name, spec.name)
            found.active.append(_active(task, new, intended, changes, found.problems))
        elif task.has_state(TaskState.FINISHED_MASK) and task in removed:
            found.problems.append(
                f"the saved state still holds finished element '{_name(spec)}', which the target lacks"
            )


def _active(task, new, intended: str, changes: set, problems: list) -> ActiveElement:
    spec, name = task.task_spec, _name(task.task_spec)
    if new is None or new.name != intended:
        # SpiffWorkflow may align it with an element of another id by its place in the flow; a
        # token is moved only to the element of its own id (Camunda 7's mapEqualActivities) or
        # the one a mapping names.
        guess = "" if new is None else f" ('{new.name}' stands in its place; map it to move it there)"
        problems.append(f"'{name}' ({spec.bpmn_id}) holds a token and the target has no such element{guess}")
        return ActiveElement(spec.bpmn_id, spec.bpmn_name, REMOVED, None)
    if type(new) is not type(spec):
        problems.append(
            f"'{name}' ({spec.bpmn_id}) holds a token and changed its type in the target "
            f"({type(spec).__name__} to {type(new).__name__})"
        )
        return ActiveElement(spec.bpmn_id, spec.bpmn_name, CHANGED, new.bpmn_id)
    if intended != spec.name:
        return ActiveElement(spec.bpmn_id, spec.bpmn_name, MAPPED, new.bpmn_id)
    moved = sorted(i.name for i in spec.inputs) != sorted(i.name for i in new.inputs)
    status = CHANGED if changes else MOVED if moved else KEPT
    return ActiveElement(spec.bpmn_id, spec.bpmn_name, status, new.bpmn_id)


def _name(spec) -> str:
    return spec.bpmn_name or spec.bpmn_id or spec.name
