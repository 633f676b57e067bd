"""Variables of parallel or inclusive branches that end at their own end events, with no join.

Camunda keeps one set of process variables: what a branch sets stays, whatever the other branches
do. SpiffWorkflow keeps data on tasks: a branch that reaches its end while others still run waits
in the process's end join with no data, and its values came back only if its end task was still
in the tree when the last branch ended; Baton prunes finished tasks between saves, so a branch
whose end left the live tree (the open work moved under a later split) lost what it set.

So when a branch ends while others run, what it changed (relative to the data where it split
from the work still open) is kept on the end join that waits, carried to the next one that
waits, and applied where the last branch ends. Each variable is kept once, however many
branches end: the saved state grows with variables, not with visits.
"""

from __future__ import annotations

from SpiffWorkflow.bpmn.specs.control import _EndJoin
from SpiffWorkflow.util.task import TaskState

from app.engine.data import copy_value

ENDED = "baton_ended"  # internal_data of a waiting end join: the variables ended branches changed
KEPT = "baton_kept"  # internal_data of an end join whose own branch is in ENDED (it is updated again)
_MISSING = object()


def is_waiting_end(task) -> bool:
    return isinstance(task.task_spec, _EndJoin) and task.state == TaskState.WAITING


def ended(task) -> dict:
    """What the branches that ended before this waiting end join changed, in the order they ended."""
    return task.internal_data.get(ENDED, {})


def carry(join_task, earlier) -> None:
    """A branch ended after `earlier` (a waiting end join, cancelled now): take its variables over."""
    carried = earlier.internal_data.pop(ENDED, None)
    if carried:
        join_task.internal_data[ENDED] = {**carried, **join_task.internal_data.get(ENDED, {})}


def keep(join_task) -> None:
    """The branch of `join_task` ended and waits for the others: keep what it changed (once)."""
    end = join_task.parent
    if end is None or join_task.internal_data.get(KEPT):
        return
    join_task.internal_data[KEPT] = True
    base = _split_data(join_task)
    changed = {k: copy_value(v) for k, v in end.data.items() if base.get(k, _MISSING) != v}
    if changed:
        join_task.internal_data[ENDED] = {**join_task.internal_data.get(ENDED, {}), **changed}


def restore(join_task, base: dict) -> None:
    """The last branch ended: the join's data gets what ended branches changed and no branch the
    join merged did (an ended branch whose end left the live tree is not in that merge)."""
    for key, value in join_task.internal_data.pop(ENDED, {}).items():
        if join_task.data.get(key, _MISSING) == base.get(key, _MISSING):
            join_task.data[key] = value


def _split_data(join_task) -> dict:
    from app.engine.event_subprocess import is_listening
    from app.engine.state import UNFINISHED, lowest_common_ancestor

    def open_work(task) -> bool:
        listening = is_listening(task) or (task.parent is not None and is_listening(task.parent))
        return task is not join_task and task.has_state(UNFINISHED) and not listening

    others = [t for t in join_task.workflow.tasks.values() if open_work(t)]
    return lowest_common_ancestor([join_task.parent, *others]).data if others else {}
