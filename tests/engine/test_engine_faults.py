"""Each SpiffWorkflow 3.2 fault from the hardening issue: proved on the raw library, fixed in Baton.

The Baton side runs like the server: Runner.start/load -> act -> result() -> saved state string.
"""

from __future__ import annotations

import inspect
import json
import sys
import uuid
from contextlib import contextmanager

import pytest

from app.engine.errors import NotReady
from app.engine.runner import Runner
from tests.engine.engine_support import (
    bundle,
    complete_first,
    raw_bundle,
    raw_library,
    raw_loop,
    raw_workflow,
    run_loop,
    step,
)

# --- 1. loops that never stall ------------------------------------------------------------------


def test_raw_library_stalls_a_back_edge_loop_after_333_turns():
    with raw_library():
        workflow = raw_workflow("back_edge_loop", variables={"visits": 0, "limit": 1000})
        turns = raw_loop(workflow, 1000)
    assert turns == 333  # READY tasks below depth 1000 are invisible to the task iterator
    assert workflow.last_task.data["visits"] < 1000


@contextmanager
def shallow_stack(headroom: int = 150):
    """Lower the recursion limit to `headroom` frames above here: the raw library's recursion
    depth grows with the loop's history (RecursionError at ~160-200 turns by default, after
    minutes of quadratic work), so a small limit proves the same fault in seconds."""
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(len(inspect.stack(0)) + headroom)
    try:
        yield
    finally:
        sys.setrecursionlimit(old)


def test_raw_library_overflows_the_stack_with_a_parallel_split_in_a_loop():
    workflow = raw_workflow("parallel_loop", variables={"visits": 0, "limit": 1000})
    with raw_library(), shallow_stack(), pytest.raises(RecursionError):
        raw_loop(workflow, 1000)


def test_parallel_loop_recursion_depth_stays_flat_in_baton():
    with shallow_stack():
        visits, result = run_loop(bundle("parallel_loop"), {"visits": 0, "limit": 300})
    assert result.status == "completed" and visits == 301


def test_back_edge_loop_completes_10000_visits_through_save_and_load():
    sizes = {}
    visits, result = run_loop(
        bundle("back_edge_loop"),
        {"visits": 0, "limit": 10_000},
        on_visit=lambda n, r: sizes.__setitem__(n, len(r.state or "")),
    )
    assert result.status == "completed" and result.variables["visits"] == 10_000
    assert visits == 10_001
    assert sizes[10_000] <= sizes[10] * 1.1  # live state does not grow with history


def test_loop_with_parallel_split_and_join_completes_2000_visits():
    visits, result = run_loop(bundle("parallel_loop"), {"visits": 0, "limit": 2000})
    assert result.status == "completed", result.error
    assert result.variables == {"visits": 2000, "limit": 2000, "measured": 2000, "photos": 2000}


def test_script_only_loop_of_5000_turns_completes_in_one_advance_with_every_visit_in_history():
    result = Runner.start(bundle("script_loop"), {"visits": 0, "limit": 5000}).result()
    assert result.status == "completed" and result.variables["visits"] == 5000
    counted = [h for h in result.history if h.element_id == "count"]
    assert len(counted) == 5000 and len({h.task_id for h in counted}) == 5000
    assert [h.element_id for h in result.history[:2]] == ["start", "count"]
    assert result.history[-1].element_id == "end"


def test_raw_library_stops_a_script_only_loop_silently_within_one_run():
    with raw_library():
        workflow = raw_workflow("script_loop", variables={"visits": 0, "limit": 5000})
    assert workflow.last_task.data["visits"] < 1000  # nothing READY is visible below depth 1000


# --- 2. cost and state size flat in history ----------------------------------------------------


def _state_sizes(b, variables, at):
    sizes = {}
    run_loop(b, variables, on_visit=lambda n, r: n in at and sizes.__setitem__(n, len(r.state)))
    return sizes


def test_growing_list_keeps_the_live_state_linear_not_quadratic():
    sizes = _state_sizes(bundle("growing_log"), {"visits": 0, "limit": 400, "log": []}, {100, 200, 400})
    entry = len(json.dumps({"visit": 400, "result": "fail"}))
    # One copy of the list per live task: doubling the turns roughly doubles the state.
    assert sizes[400] < 2.3 * sizes[200] < 2.3 * 2.3 * sizes[100]
    assert sizes[400] < 10 * 400 * entry


def test_raw_library_state_grows_quadratically_with_a_growing_list():
    from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
    from SpiffWorkflow.camunda.serializer import DEFAULT_CONFIG

    serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(DEFAULT_CONFIG))
    sizes = {}
    with raw_library():
        workflow = raw_workflow("growing_log", variables={"visits": 0, "limit": 300, "log": []})
        for turns in (100, 200):
            raw_loop(workflow, turns - sum(1 for _ in sizes) * 100)
            sizes[turns] = len(serializer.serialize_json(workflow))
    assert sizes[200] > 3 * sizes[100]


# --- 3. task data ------------------------------------------------------------------------------


def test_lists_keep_order_and_duplicates_at_a_join():
    b = bundle("parallel_data")
    result = Runner.start(b, {"items": []}).result()
    result = complete_first(b, result, element_id="approve")
    result = complete_first(b, result, element_id="review")
    assert result.status == "completed"
    assert result.variables["items"] == [5, 5, 5, 5]


def test_raw_library_deduplicates_a_list_at_a_join():
    with raw_library():
        workflow = raw_workflow("parallel_data", variables={"items": []})
        raw_loop(workflow, 2)
    assert workflow.is_completed() and workflow.last_task.data["items"] != [5, 5, 5, 5]


def test_a_completed_tasks_data_never_changes():
    runner = Runner.start(bundle("append_loop"), {})
    appends = [t for t in runner.workflow.tasks.values() if t.task_spec.bpmn_id == "append"]
    history = [t.data["part"]["checks"] for t in sorted(appends, key=lambda t: t.data["n"])]
    assert history == [[0], [0, 1], [0, 1, 2], [0, 1, 2, 3]]
    assert runner.result().variables["items"] == [5, 5, 5, 5]


def test_raw_library_rewrites_completed_history_through_shared_objects():
    with raw_library():
        workflow = raw_workflow("append_loop")
    first = next(t for t in workflow.tasks.values() if t.task_spec.bpmn_id == "append" and t.data["n"] == 1)
    assert first.data["part"]["checks"] == [0, 1, 2, 3]


@pytest.mark.parametrize(("first", "last"), [("review", "approve"), ("approve", "review")])
def test_parallel_branches_writing_one_variable_last_to_complete_wins(first, last):
    b = bundle("parallel_data")
    result = Runner.start(b, {"items": [], "decision": "none", "kept": 1}).result()
    result = complete_first(b, result, {"decision": first}, element_id=first)
    result = complete_first(b, result, {"decision": last}, element_id=last)
    assert result.variables["decision"] == last
    assert result.variables["kept"] == 1 and result.variables["items"] == [5, 5, 5, 5]


def test_a_variable_that_is_not_json_fails_the_task_that_made_it():
    result = Runner.start(bundle("not_json"), {}).result()
    assert result.status == "failed"
    assert result.error.element_id == "stamp"
    assert "variable 'when'" in result.error.message and "not a JSON value" in result.error.message
    assert "when" not in result.variables
    json.loads(result.state)  # the failed instance is still storable


# --- 4. cached specs are never rewritten at run time ---------------------------------------------


def _finish_parts(b, variables):
    result = Runner.start(b, variables).result()
    while result.user_tasks:
        result = complete_first(b, result)
    return result


def test_two_instances_share_one_cached_multi_instance_spec():
    b = bundle("camunda_mi")
    first = _finish_parts(b, {"parts": [1, 2, 3]})
    second = _finish_parts(b, {"parts": [4, 5]})
    assert first.status == second.status == "completed"
    assert first.variables["parts"] == [1, 2, 3] and second.variables["parts"] == [4, 5]


def test_raw_library_breaks_the_second_instance_of_a_cached_multi_instance_spec():
    with raw_library():
        b = raw_bundle("camunda_mi_raw")  # SpiffWorkflow's own Camunda multi-instance classes
        _finish_parts(b, {"parts": [1, 2, 3]})
        with pytest.raises(TypeError):
            _finish_parts(b, {"parts": [4, 5]})


# --- 5. a plain service task can be saved ------------------------------------------------------


def test_plain_service_task_state_saves_and_loads():
    b = bundle("plain_service")
    result = Runner.start(b, {"order": 7}).result()
    assert result.status != "failed" and result.state
    again = Runner.load(b, result.state).result()
    assert again.active_elements == result.active_elements == ["call"]


def test_raw_camunda_serializer_cannot_save_a_plain_service_task():
    from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
    from SpiffWorkflow.camunda.serializer import DEFAULT_CONFIG

    serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(DEFAULT_CONFIG))
    with pytest.raises(Exception, match="ServiceTask"):
        serializer.serialize_json(raw_workflow("plain_service"))


# --- 6. task states and incidents --------------------------------------------------------------


def test_running_a_task_that_is_not_ready_is_refused():
    runner = Runner.start(bundle("failing_script"), {"total": 10, "parts": 2})
    done = next(t for t in runner.workflow.tasks.values() if t.task_spec.bpmn_id == "divide")
    with pytest.raises(Exception, match="only a READY task can run"):
        done.run()
    assert runner.result().variables["share"] == 5


def test_raw_library_runs_a_completed_task_again():
    with raw_library():
        workflow = raw_workflow("failing_script", variables={"total": 10, "parts": 2})
        done = next(t for t in workflow.tasks.values() if t.task_spec.bpmn_id == "divide")
        done.data["parts"] = 5
        done.run()  # no complaint: the completed script ran a second time
    assert done.data["share"] == 2


def test_failed_script_is_retried_after_the_data_is_fixed():
    b = bundle("failing_script")
    failed = Runner.start(b, {"total": 10, "parts": 0}).result()
    assert failed.status == "failed" and failed.error.element_id == "divide"
    with pytest.raises(NotReady):
        step(b, failed.state, lambda r: r.retry(uuid.uuid4()))
    _, again = step(b, failed.state, lambda r: r.retry(failed.error.task_id))
    assert again.status == "failed"  # same data, same failure, still retryable
    _, fixed = step(b, again.state, lambda r: r.retry(failed.error.task_id, {"parts": 2}))
    assert fixed.status == "waiting" and fixed.error is None
    assert fixed.variables["share"] == 5 and fixed.active_elements == ["check"]


def test_a_start_whose_script_fails_is_a_failed_instance_with_an_incident_over_http(admin):
    from tests.engine.engine_support import ENGINE_DATA

    assert admin.deploy(ENGINE_DATA / "failing_script.bpmn").status_code == 201
    started = admin.post(
        "/process-definitions/failing_script/instances", json={"variables": {"total": 1, "parts": 0}}
    )
    assert started.status_code == 201, started.json
    assert started.json["status"] == "failed"
    shown = admin.get(f"/instances/{started.json['id']}")
    assert shown.status_code == 200 and shown.json["status"] == "failed"
    incidents = admin.get("/incidents", query_string={"instance_id": started.json["id"]}).json["items"]
    assert [(i["element_id"], i["status"]) for i in incidents] == [("divide", "open")]
    assert "division by zero" in incidents[0]["message"]
