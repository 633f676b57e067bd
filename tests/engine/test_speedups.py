"""The fast READY/WAITING lookups answer exactly as the library's tree walk, on every model shape:
parallel branches (several READY tasks, in walk order), loops, multi-instance, call activities."""

from __future__ import annotations

import logging

import pytest
from SpiffWorkflow.util.task import TaskIterator, TaskState

from app.engine import speedups
from app.engine.runner import Runner
from tests.engine.engine_support import bundle, complete_first, run_loop

MODELS = [
    ("parallel_loop", {"visits": 0, "limit": 5}),
    ("parallel_data", {"items": [], "decision": "none", "kept": 1}),
    ("back_edge_loop", {"visits": 0, "limit": 5}),
    ("script_loop", {"visits": 0, "limit": 60}),
    ("camunda_mi", {"parts": [1, 2, 3]}),
    ("booking_by_hand", {}),
    ("event_subprocesses", {}),
    ("two_ends", {}),  # one branch ends while the other still runs: the end join waits
]


@pytest.fixture
def answers(monkeypatch):
    """Compare each fast answer with the walk; count how often the fast path answered."""
    seen = {"fast": 0, "several": 0}
    fast_ready = speedups._ready_without_walk

    def checked(wf):
        fast, walked = fast_ready(wf), wf.get_tasks(state=TaskState.READY)
        if fast is not None:
            assert [t.id for t in fast] == [t.id for t in walked]
            seen["fast"] += 1
            seen["several"] += len(fast) > 1
        return walked

    monkeypatch.setattr(speedups, "ready_tasks", checked)
    return seen


def _finish(name: str, variables: dict):
    b = bundle(name)
    result = Runner.start(b, variables).result()
    for _ in range(50):
        if not result.user_tasks:
            break
        result = complete_first(b, result)
    return result


@pytest.mark.parametrize(("name", "variables"), MODELS)
def test_ready_tasks_match_the_library_walk(answers, name, variables):
    _finish(name, variables)
    assert answers["fast"] > 0


def test_several_ready_tasks_come_in_walk_order(answers):
    run_loop(bundle("parallel_loop"), {"visits": 0, "limit": 3})
    assert answers["several"] > 0


def test_the_end_join_sees_what_the_library_walk_sees(monkeypatch):
    seen = []
    fast_walk = speedups.walk_finds_unfinished

    def checked(wf, end_at_spec, counts):
        walk = TaskIterator(wf.task_tree, state=TaskState.NOT_FINISHED_MASK, end_at_spec=end_at_spec)
        seen.append(fast_walk(wf, end_at_spec, counts))
        assert seen[-1] == any(counts(t) for t in walk)
        return seen[-1]

    monkeypatch.setattr(speedups, "walk_finds_unfinished", checked)
    for name, variables in MODELS:
        _finish(name, variables)
    assert True in seen and False in seen


def test_waiting_tasks_are_updated_only_when_one_waits(monkeypatch):
    walks = []
    monkeypatch.setattr(speedups, "_ORIGINAL_UPDATE_WAITING", lambda wf: walks.append(wf))
    workflow = Runner.start(bundle("back_edge_loop"), {"visits": 0, "limit": 5}).workflow
    speedups.update_waiting_tasks(workflow)
    assert walks == [] and not list(TaskIterator(workflow.task_tree, state=TaskState.WAITING))
    next(iter(workflow.tasks.values()))._state = TaskState.WAITING
    speedups.update_waiting_tasks(workflow)
    assert walks == [workflow]


def test_log_extras_list_the_tasks_only_for_a_record_that_is_written(caplog):
    workflow = Runner.start(bundle("back_edge_loop"), {"visits": 0, "limit": 5}).workflow
    assert "tasks" not in workflow.collect_log_extras()
    with caplog.at_level(logging.DEBUG, logger="spiff.workflow"):
        assert "tasks" in workflow.collect_log_extras()
