"""What can still be compensated: one record per completed activity instance that has a handler.

Finished tasks are pruned from the live state, so each completed activity with a compensation
handler (and each completed sub-process, whose inner records it scopes) leaves a compact record
in the top workflow's data: its bpmn id, its handler, the scope it ran in (bpmn ids and task ids
of the enclosing sub-process instances), the run it belongs to and a copy of its data.

Bounds (BPMN 2.0, 10.7: only completed activities of a live scope are compensable):
- each multi-instance instance is one record of its activity's run; a re-executed activity (a
  loop turn) replaces the records of its earlier run in the same scope instance, so a loop
  keeps one run per activity, not one record per turn;
- replacing or cancelling a sub-process instance drops every record made inside it;
- a compensated record is removed (each completion is undone once).
"""

from __future__ import annotations

from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import MultiInstanceTask
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask
from SpiffWorkflow.util.task import TaskState

from app.engine.data import copy_value

RECORDS, RECORDED = "baton_compensable", "baton_compensable_recorded"
# internal_data of a compensation event subprocess run as a handler: the scope it compensates in.
COMPENSATES = "baton_compensates"
# internal_data of a multi-instance instance: its local variables (removed from its data on merge).
LOCALS = "baton_instance_locals"


def scope_of(workflow) -> tuple[list[str], list[str]]:
    """bpmn ids and task ids of the sub-process instances enclosing `workflow`, outermost first.

    An event subprocess adds no scope (a throw inside it compensates its parent's activities);
    a compensation event subprocess run as a handler stands inside the sub-process it compensates.
    """
    names: list[str] = []
    ids: list[str] = []
    while workflow.parent_task_id is not None:
        parent = workflow.top_workflow.get_task_from_id(workflow.parent_task_id)
        inside = parent.internal_data.get(COMPENSATES)
        if inside is not None:
            return inside["scope"] + names[::-1], inside["scope_ids"] + ids[::-1]
        if not getattr(parent.task_spec, "event_triggered", False):
            names.append(parent.task_spec.bpmn_id)
            ids.append(str(parent.id))
        workflow = parent.workflow
    return names[::-1], ids[::-1]


def record(top) -> None:
    """Record every newly finished compensable activity instance of the workflow tree."""
    from app.engine.state import all_workflows

    records = [_upgraded(r, i) for i, r in enumerate(top.data.get(RECORDS, []))]
    for wf in all_workflows(top):
        handlers = getattr(wf.spec, "compensation", {})
        for task in wf.tasks.values():
            if task.internal_data.get(RECORDED) or not task.has_state(TaskState.FINISHED_MASK):
                continue
            if task.state == TaskState.COMPLETED:
                entry = _entry(task, handlers)
                if entry is not None:
                    _add(records, entry)
            elif _is_subprocess(task):
                _drop_inside(records, str(task.id))  # an interrupted sub-process is not compensable
            task.internal_data[RECORDED] = True
    if records:
        top.data[RECORDS] = records


def _upgraded(entry: dict, index: int) -> dict:
    """A record saved before records knew their scope instance and run: its scope's bpmn ids stand
    in for the instance ids (an activity outside sub-processes is matched exactly as before)."""
    if "scope_ids" not in entry:
        legacy = f"legacy-{index}"
        entry.update(own=False, scope_ids=list(entry["scope"]), task=legacy, run=legacy)
    return entry


def _is_subprocess(task) -> bool:
    spec = task.task_spec
    return isinstance(spec, SubWorkflowTask) and not getattr(spec, "event_triggered", False)


def _entry(task, handlers: dict) -> dict | None:
    spec = task.task_spec
    if isinstance(spec, MultiInstanceTask):
        return None  # its instances are recorded one by one
    mi_parent = task.parent if _is_instance(task) else None
    activity = mi_parent.task_spec.bpmn_id if mi_parent else spec.bpmn_id
    handler = handlers.get(activity)
    if handler is None and not _is_subprocess(task):
        return None
    names, ids = scope_of(task.workflow)
    return {
        "activity": activity,
        "handler": handler,
        "own": handler is not None and _is_subprocess(task),  # a sub-process with its own handler
        "scope": names,
        "scope_ids": ids,
        "task": str(task.id),
        "run": str((mi_parent or task).id),
        "at": task.last_state_change,
        "data": copy_value({**task.data, **task.internal_data.get(LOCALS, {})}),
    }


def _is_instance(task) -> bool:
    """One instance of a multi-instance activity (its parent's other children are what follows)."""
    wrapper = task.parent.task_spec if task.parent is not None else None
    return isinstance(wrapper, MultiInstanceTask) and wrapper.task_spec == task.task_spec.name


def _add(records: list, entry: dict) -> None:
    key = (entry["activity"], entry["scope_ids"])
    for old in [r for r in records if (r["activity"], r["scope_ids"]) == key and r["run"] != entry["run"]]:
        records.remove(old)
        _drop_inside(records, old["task"])
    records.append(entry)


def _drop_inside(records: list, task_id: str) -> None:
    records[:] = [r for r in records if task_id not in r["scope_ids"]]


def take(top, throw_workflow, activity_ref: str | None) -> list[dict]:
    """The records a compensation throw in `throw_workflow` undoes, newest first; they are used up."""
    record(top)
    records = top.data.get(RECORDS, [])
    names, ids = scope_of(throw_workflow)
    owners = {r["task"] for r in records if r["own"]}
    depth = len(ids)
    chosen = []
    for entry in records:
        below = entry["scope_ids"][depth:]
        if entry["handler"] is None or entry["scope_ids"][:depth] != ids or owners.intersection(below):
            continue  # not in this scope, or its sub-process has a handler of its own
        if activity_ref is None or (entry["scope"][depth] if below else entry["activity"]) == activity_ref:
            chosen.append(entry)
    taken = sorted(copy_value(chosen), key=lambda e: e["at"], reverse=True)
    for entry in chosen:
        if entry["own"]:
            entry["handler"] = None  # keep the sub-process's mark: its inner records stay its own
        else:
            records.remove(entry)
    return taken
