"""Faster, equivalent versions of the SpiffWorkflow 3.2 hot paths every step goes through.

The library finds READY and WAITING tasks by walking the whole task tree with its generic
iterator (a filter object, a list popped from the front, a UUID hash per child lookup), and does
so before and after every task it runs. On a small live tree that walk costs more than the work.
Each function here gives the answer the library's walk gives, from the task dict, and leaves
anything unusual (sub-processes, deep or detached tasks) to the library's own walk.

`app.engine.fixes` installs these with its patches, so `fixes.unpatched()` removes them too.
"""

from __future__ import annotations

import logging

from SpiffWorkflow.util.task import TaskIterator, TaskState
from SpiffWorkflow.workflow import Workflow

_WORKFLOW_LOG = logging.getLogger("spiff.workflow")
_ORIGINAL_EXTRAS = Workflow.collect_log_extras
_ORIGINAL_UPDATE_WAITING = Workflow.update_waiting_tasks
# The library's iterator does not descend past depth 1000; the fast path leaves deep trees to it.
_MAX_DEPTH = 900


def ready_tasks(wf) -> list:
    """`wf.get_tasks(state=TaskState.READY)`, in the same (depth-first) order."""
    found = _ready_without_walk(wf)
    return found if found is not None else wf.get_tasks(state=TaskState.READY)


def _ready_without_walk(wf) -> list | None:
    tasks = wf.tasks
    subprocesses = wf.top_workflow.subprocesses
    if subprocesses and any(task_id in tasks for task_id in subprocesses):
        return None  # the walk descends into sub-processes: keep its order
    ready = [t for t in tasks.values() if t._state == TaskState.READY]
    if not ready:
        return ready
    paths = []
    for task in ready:
        path = _tree_path(wf, task)
        if path is None:
            return None
        paths.append((path, task))
    if len(paths) > 1:
        paths.sort(key=lambda pair: pair[0])  # child-index paths sort in depth-first order
    return [task for _, task in paths]


def _tree_path(wf, task) -> list | None:
    """Child indexes from the root down to `task`, when the library's walk reaches it; else None."""
    path: list[int] = []
    node, tasks, root = task, wf.tasks, wf.task_tree
    while node is not root:
        parent = tasks.get(node._parent)
        # The walk only descends from tasks at FUTURE or later (never from predicted ones).
        if parent is None or parent._state < TaskState.FUTURE or len(path) >= _MAX_DEPTH:
            return None
        try:
            path.append(parent._children.index(node.id))
        except ValueError:
            return None
        node = parent
    path.reverse()
    return path


def walk_finds_unfinished(wf, end_at_spec: str, counts) -> bool:
    """Whether the library's walk of unfinished tasks from the root, which does not descend below
    tasks of spec `end_at_spec`, finds a task for which `counts(task)` is true."""
    found = [t for t in wf.tasks.values() if t._state & TaskState.NOT_FINISHED_MASK and counts(t)]
    for task in found:
        reached = _reached_above(wf, task, end_at_spec)
        if reached is None:
            walk = TaskIterator(wf.task_tree, state=TaskState.NOT_FINISHED_MASK, end_at_spec=end_at_spec)
            return any(counts(t) for t in walk)
        if reached:
            return True
    return False


def _reached_above(wf, task, end_at_spec: str) -> bool | None:
    """Whether that walk reaches `task` (no ancestor of spec `end_at_spec`); None: ask the walk."""
    node, tasks, root, depth = task, wf.tasks, wf.task_tree, 0
    while node is not root:
        parent = tasks.get(node._parent)
        if parent is None or node.id not in parent._children or depth >= _MAX_DEPTH:
            return None
        if parent.task_spec.name == end_at_spec:
            return False
        node, depth = parent, depth + 1
    return True


def update_waiting_tasks(self) -> None:
    """Workflow.update_waiting_tasks, without the walk when no task is WAITING."""
    if any(t._state == TaskState.WAITING for t in self.tasks.values()):
        _ORIGINAL_UPDATE_WAITING(self)


def collect_log_extras(self, dct=None) -> dict:
    """Workflow.collect_log_extras, without listing every task for a record nobody will write.

    The library lists them whenever its logger's own level is below INFO, and an unset level (0)
    is: every new workflow walked its tree for an INFO record that app/__init__.py silences.
    """
    if _WORKFLOW_LOG.isEnabledFor(logging.INFO):
        return _ORIGINAL_EXTRAS(self, dct)
    extra = dct or {}
    extra.update(
        workflow_spec=self.spec.name, success=self.success, completed=self.completed, root=self.task_tree.id
    )
    return extra


def do_engine_steps_once(self, will_complete_task=None, did_complete_task=None):
    """BpmnWorkflow._do_engine_steps, finding READY tasks with `ready_tasks`."""

    def update_workflow(wf):
        count = 0
        for task in ready_tasks(wf):
            if not task.task_spec.manual:
                if will_complete_task is not None:
                    will_complete_task(task)
                task.run()
                count += 1
                if did_complete_task is not None:
                    did_complete_task(task)
        return count

    active_subprocesses = self.get_active_subprocesses()
    for subprocess in sorted(active_subprocesses, key=lambda v: v.depth, reverse=True):
        count = None
        while count is None or count > 0:
            count = update_workflow(subprocess)
        if subprocess.parent_task_id is not None:
            task = self.get_task_from_id(subprocess.parent_task_id)
            task.task_spec._update(task)

    count = update_workflow(self)
    return count > 0 or len(self.get_active_subprocesses()) > len(active_subprocesses)
