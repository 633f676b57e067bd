"""Moving a running workflow onto another version of its process, with SpiffWorkflow's diff.

SpiffWorkflow 3.2 aligns the old version's task specs with the new one's (by element id, else by
their place between aligned neighbours) and `migrate_workflow` re-points each live task at its new
spec, then resets the READY and WAITING tasks so that what follows them is predicted from the new
flows. Baton refuses what it cannot move whole: a token whose element is gone or changed its type,
a call activity in progress (its process was bound at run time, not by this definition), event
subprocesses (their listeners hang off the pruned tree's anchor), and a completed task the saved
state still holds whose element the target lacks (the state could not be read back).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from SpiffWorkflow.bpmn.specs.defaults import CallActivity
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask
from SpiffWorkflow.bpmn.util.diff import SpecDiff, WorkflowDiff, migrate_workflow
from SpiffWorkflow.util.task import TaskState

from app.engine import state as live
from app.engine.event_subprocess import BatonEventSubprocess, CompensationEventSubprocess
from app.engine.reports import REACHED
from app.engine.runner import ProcessBundle, Runner

KEPT, MOVED, REMOVED, CHANGED = "kept", "moved", "removed", "changed"
RESET = TaskState.READY | TaskState.WAITING  # what migrate_workflow resets and predicts again
# A changed flow around an element is what a migration is for, not a change of the element: one
# reached from elsewhere is "moved", one whose outgoing flows changed is "kept".
_FLOWS = {"inputs", "outputs"}


@dataclass
class ActiveElement:
    element_id: str
    name: str | None
    status: str


@dataclass
class Plan:
    """What moving a workflow would do: each element a token is in, and why it cannot be moved."""

    active: list[ActiveElement] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def plan(runner: Runner, target: ProcessBundle) -> Plan:
    """The dry run: compare the runner's live tasks with the target version's specs."""
    found = Plan(problems=_unsupported(runner, target))
    try:
        diffs = _diffs(runner.workflow, target)
    except KeyError as exc:  # a live task whose spec the diff never reached from the start
        found.problems.append(f"the saved state holds element {exc} which the diff cannot place")
        return found
    for wf, _, spec_diff, diff in diffs:
        _judge(wf, spec_diff, diff, found)
    return found


def migrate(runner: Runner, target: ProcessBundle) -> Runner:
    """Move the workflow onto `target` (the caller checked `plan(...).ok`) and run what became ready."""
    workflow = runner.workflow
    diffs = _diffs(workflow, target)
    kept = {t.id: (t.state, t.data, t.internal_data) for t in workflow.get_tasks(state=RESET)}
    for wf, new, _, diff in diffs:
        migrate_workflow(diff, wf, new)
        _predict_again(wf)
    workflow.subprocess_specs = target.subprocess_specs_for_a_workflow()
    _restore(workflow, kept)
    _check_moved(workflow)
    moved = Runner(target, workflow)
    workflow.script_engine = Runner._engine(target)
    moved.advance()
    return moved


class _SpecDiff(SpecDiff):
    """SpecDiff, comparing by class and name the specs the serializer has no converter for (a call
    activity: Baton binds its process when reached and never stores the spec)."""

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


def _diffs(workflow, target: ProcessBundle) -> list:
    """(workflow, new spec, SpecDiff, WorkflowDiff) of the top workflow and each live sub-process;
    all but the workflow are None for a sub-process the target lacks. (SpiffWorkflow's diff_workflow
    drops the spec diffs, and their attribute comparisons are what tell a renamed element.)"""
    registry, found = live.registry(), []
    for wf in live.all_workflows(workflow):
        new = target.spec if wf is workflow else target.subprocess_specs.get(wf.spec.name)
        spec_diff = None if new is None else _SpecDiff(registry, wf.spec, new)
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


def _restore(workflow, kept: dict) -> None:
    """Give each task the reset left where it was its data back: a timer keeps its due time (not
    one counted again from now), a user task its local inputs and when it was entered."""
    for task in workflow.get_tasks(state=RESET):
        before = kept.get(task.id)
        if before is not None and before[0] == task.state:
            task.data, task.internal_data = before[1], before[2]


def _unsupported(runner: Runner, target: ProcessBundle) -> list[str]:
    problems = []
    for wf in live.all_workflows(runner.workflow):
        for task in wf.get_tasks(state=TaskState.STARTED, skip_subprocesses=True):
            if isinstance(task.task_spec, CallActivity) and task.id in runner.workflow.subprocesses:
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
            found.active.append(_active(task, new, changes, found.problems))
        elif task.has_state(TaskState.FINISHED_MASK) and task in removed:
            found.problems.append(
                f"the saved state still holds finished element '{_name(spec)}', which the target lacks"
            )


def _active(task, new, changes: set, problems: list) -> ActiveElement:
    spec, name = task.task_spec, _name(task.task_spec)
    if new is None or new.name != spec.name:
        # SpiffWorkflow may align it with an element of another id by its place in the flow; a
        # token is moved only to the element of its own id (Camunda 7's mapEqualActivities).
        guess = "" if new is None else f" ('{new.name}' stands in its place)"
        problems.append(f"'{name}' ({spec.bpmn_id}) holds a token and the target has no such element{guess}")
        return ActiveElement(spec.bpmn_id, spec.bpmn_name, REMOVED)
    if type(new) is not type(spec):
        problems.append(
            f"'{name}' ({spec.bpmn_id}) holds a token and changed its type in the target "
            f"({type(spec).__name__} to {type(new).__name__})"
        )
        return ActiveElement(spec.bpmn_id, spec.bpmn_name, CHANGED)
    if changes:
        return ActiveElement(spec.bpmn_id, spec.bpmn_name, CHANGED)
    moved = sorted(i.name for i in spec.inputs) != sorted(i.name for i in new.inputs)
    return ActiveElement(spec.bpmn_id, spec.bpmn_name, MOVED if moved else KEPT)


def _name(spec) -> str:
    return spec.bpmn_name or spec.bpmn_id or spec.name
