"""Storing and loading a workflow's live state, and moving finished work out of it.

Design (the spine's item 9 and the hardening issue's item 2): SpiffWorkflow keeps every task an
instance ever ran in one tree, so load, step and save grow with history (a back-edge loop at
visit 5,000 costs a second). Baton keeps in the live state only the subtree that can still
matter: the lowest common ancestor of every unfinished task, plus one completed anchor above it.
Finished tasks are written to the append-only history table as they finish, then dropped.
Specs are never stored in the state: they come from the definition, parsed once per process.
"""

from __future__ import annotations

import json
import time

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from app.engine import (
    branch_ends,
    compensation_records,
    event_subprocess,
    fixes,  # noqa: F401  (patches SpiffWorkflow 3.2 before any workflow runs)
    state_codec,
)
from app.engine.specs import build_registry

ENTERED, LOGGED, ACTOR = "baton_in", "baton_logged", "baton_by"
UNFINISHED = TaskState.NOT_FINISHED_MASK | TaskState.ERROR


_registry = build_registry()
state_codec.install(_registry)
_ENCODER = json.JSONEncoder(separators=(",", ":"))  # json.dumps would build one per save


def registry():
    """The serializer registry that knows Baton's task specs (a spec diff compares specs through it)."""
    return _registry


def dump(workflow: BpmnWorkflow) -> str:
    # Events nothing in the instance caught (a signal nobody listens for, an escalation with no
    # handler) are left in bpmn_events as objects the serializer cannot write: the save failed
    # with a TypeError. BPMN drops them (nobody caught them), and so does Baton.
    workflow.bpmn_events = []
    _registry._encoder_mode = True
    try:
        return _ENCODER.encode(_registry.convert(workflow))
    finally:
        _registry._encoder_mode = False


def load(state: str, spec, subprocess_specs, script_engine) -> BpmnWorkflow:
    dct = json.loads(state)
    dct["spec"], dct["subprocess_specs"] = spec, subprocess_specs
    workflow = _registry.restore(dct)
    workflow.script_engine = script_engine
    return workflow


def all_workflows(workflow: BpmnWorkflow) -> list:
    return [workflow, *workflow.subprocesses.values()]


def prune(workflow: BpmnWorkflow) -> None:
    """Drop finished tasks that no unfinished task can reach back to, in every (sub)workflow."""
    compensation_records.record(workflow)  # compensation must still know what completed once it is pruned
    for wf in all_workflows(workflow):
        _reroot(wf)
    live_ids = {tid for wf in all_workflows(workflow) for tid in wf.tasks}
    for sp_id in [sp_id for sp_id in workflow.subprocesses if sp_id not in live_ids]:
        del workflow.subprocesses[sp_id]


def _reroot(wf) -> None:
    # A task in ERROR is unfinished work too: an incident retry runs it again.
    unfinished = [t for t in wf.tasks.values() if t.has_state(UNFINISHED)]
    # Event subprocesses that only listen hang off the start task; counting them would pin the
    # live tree to the start forever (a loop then stalls at ~333 turns), so they move with the anchor.
    # So does the end where a branch that ended waits for the others: it holds what the branch set
    # (app.engine.branch_ends), and pinned the live tree to the split while another branch looped.
    listening = set().union(*(_subtree_ids(t) for t in unfinished if _set_aside(t)))
    unfinished = [t for t in unfinished if t.id not in listening]
    if not unfinished:
        return
    lca = lowest_common_ancestor(unfinished)
    anchor = lca.parent or lca
    if anchor is wf.task_tree:
        return
    keep = _subtree_ids(lca) | listening
    keep.add(anchor.id)
    moved = [t for t in wf.tasks.values() if _set_aside(t) and t.parent.id not in keep]
    for task_id in [tid for tid in wf.tasks if tid not in keep]:
        wf.tasks.pop(task_id)
    anchor._parent = None
    anchor._children = [lca.id] if lca is not anchor else anchor._children
    for task in moved:
        task._parent = anchor.id
        anchor._children.append(task.id)
    wf.task_tree = anchor
    if wf.last_task is not None and wf.last_task.id not in keep:
        wf.last_task = None


def _set_aside(task) -> bool:
    return event_subprocess.is_listening(task) or branch_ends.is_waiting_end(task)


def lowest_common_ancestor(tasks):
    """The deepest task that is an ancestor of (or one of) every task in `tasks` (same workflow)."""
    path = []
    node = tasks[0]
    while node is not None:
        path.append(node)
        node = node.parent
    path.reverse()  # root ... first task
    index = {t.id: i for i, t in enumerate(path)}
    deepest = len(path) - 1
    for task in tasks[1:]:
        node = task
        while node.id not in index:
            node = node.parent
        deepest = min(deepest, index[node.id])
    return path[deepest]


def _subtree_ids(task) -> set:
    ids, stack = set(), [task]
    while stack:
        node = stack.pop()
        ids.add(node.id)
        stack.extend(node.children)
    return ids


def mark_entered(task, when: float | None = None) -> None:
    task.internal_data.setdefault(ENTERED, when or time.time())
