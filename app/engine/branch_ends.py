"""Variables of parallel or inclusive branches that end at their own end events, with no join.

Camunda keeps one set of process variables: what a branch sets stays, whatever the other branches
do. SpiffWorkflow keeps data on tasks: a branch that reaches its end while others still run waits
in the process's end join with no data, and its values came back only if its end task was still
in the tree when the last branch ended; Baton prunes finished tasks between saves, so a branch
whose end left the live tree (the open work moved under a later split) lost what it set.

So when a branch ends while others run, what it changed (relative to the data where it split
from the work still open) is kept on the end join that waits, carried to the next one that
waits, shown with the instance's variables and what later tasks see, and applied where the last
branch ends. Each variable is kept once, however many branches end, and the waiting join moves
with the live tree's anchor (app.engine.state): the saved state grows with variables, not visits.
"""

from __future__ import annotations

from SpiffWorkflow.bpmn.specs.control import _EndJoin
from SpiffWorkflow.util.task import TaskState

from app.engine.data import copy_value

# internal_data of a waiting end join: {"values": what ended branches changed, in the order they
# ended; "split": each such variable's value where the branch that set it last split from the
# work still open (absent: it had none)}. A branch still open overrides a value only if it changed
# it since that split: a copy it carried unchanged from the split is not news.
ENDED = "baton_ended"
KEPT = "baton_kept"  # internal_data of an end join whose own branch is in ENDED (it is updated again)
_MISSING = object()


def is_waiting_end(task) -> bool:
    return isinstance(task.task_spec, _EndJoin) and task.state == TaskState.WAITING


def apply_ended(join_task, data: dict) -> dict:
    """`data` (changed in place) with what ended branches set, unless it changed that since."""
    kept = join_task.internal_data.get(ENDED)
    if kept:
        split = kept["split"]
        for key, value in kept["values"].items():
            if data.get(key, _MISSING) == split.get(key, _MISSING):
                data[key] = copy_value(value)
    return data


def kept_at_end(workflow, data: dict) -> dict:
    """A completed process's `data` (changed in place) with what ended branches set that no end
    join applied: a terminate end event cancels the join they waited in (a normal end restores them)."""
    for join_task in workflow.tasks.values():
        if isinstance(join_task.task_spec, _EndJoin) and join_task.internal_data.get(ENDED):
            apply_ended(join_task, data)
    return data


def carry(join_task, earlier) -> None:
    """A branch ended after `earlier` (a waiting end join, cancelled now): take its variables over."""
    carried = earlier.internal_data.pop(ENDED, None)
    if carried:
        _add(join_task, carried["values"], carried["split"])


def keep(join_task) -> None:
    """The branch of `join_task` ended and waits for the others: keep what it changed (once)."""
    end = join_task.parent
    if end is None or join_task.internal_data.get(KEPT):
        return
    base = _split_data(join_task)
    if base is None:  # no other work is open: the last branch, held back by the join it cancels
        return
    join_task.internal_data[KEPT] = True
    changed = {k: copy_value(v) for k, v in end.data.items() if base.get(k, _MISSING) != v}
    if changed:
        _add(join_task, changed, {k: copy_value(base[k]) for k in changed if k in base})


def restore(join_task) -> None:
    """The last branch ended: the join's data gets what ended branches set and no branch changed
    since (an ended branch whose end left the live tree is not in the join's own merge)."""
    apply_ended(join_task, join_task.data)
    join_task.internal_data.pop(ENDED, None)


def _add(join_task, values: dict, split: dict) -> None:
    kept = join_task.internal_data.setdefault(ENDED, {"values": {}, "split": {}})
    for key in values:
        kept["split"].pop(key, None)  # the latest writer's split is the one that counts
    kept["values"].update(values)
    kept["split"].update(split)


def _split_data(join_task) -> dict | None:
    """The data where the join's branch split from the work still open; None if none is."""
    from app.engine.event_subprocess import is_listening
    from app.engine.state import UNFINISHED, lowest_common_ancestor

    def open_work(task) -> bool:  # (not the join, nor the end it predicts after itself)
        parent = task.parent
        aside = is_listening(task) or parent is join_task or (parent is not None and is_listening(parent))
        return task is not join_task and task.has_state(UNFINISHED) and not aside

    others = [t for t in join_task.workflow.tasks.values() if open_work(t)]
    return lowest_common_ancestor([join_task.parent, *others]).data if others else None
