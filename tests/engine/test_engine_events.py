"""BPMN events the raw library gets wrong: link events and event subprocesses (interrupting and
non-interrupting, started by a message, timer, error, escalation or signal)."""

from __future__ import annotations

import pytest

from app.engine.errors import ModelError
from app.engine.parser import build_parser, load_specs, parse_deployment
from app.engine.runner import ProcessBundle, Runner
from app.engine.xmlsafe import parse_xml
from tests.engine.engine_support import ENGINE_DATA, bundle, complete_first, raw_library, raw_workflow, step


def test_a_link_throw_event_continues_at_its_catch_event():
    b = bundle("link_events")
    result = Runner.start(b, {}).result()
    assert result.status == "waiting" and result.active_elements == ["after"]
    assert [h.element_id for h in result.history] == ["start", "before", "go_to_page_2", "from_page_1"]
    assert complete_first(b, result).status == "completed"


def test_raw_library_skips_the_path_after_a_link_silently():
    with raw_library():
        workflow = raw_workflow("link_events")
    assert workflow.is_completed()
    assert not [t for t in workflow.tasks.values() if t.task_spec.bpmn_id == "after"]


def test_a_link_without_a_catch_event_is_refused_at_deploy_time():
    text = (
        (ENGINE_DATA / "link_events.bpmn").read_text().replace('id="l2" name="page2"', 'id="l2" name="other"')
    )
    with pytest.raises(ModelError, match="link event 'page2' has no catch event"):
        parse_deployment({"broken_link.bpmn": text.encode()})


# --- event subprocesses ---------------------------------------------------------------------------

TRIGGERS = {
    "message": '<bpmn:messageEventDefinition messageRef="m_note" />',
    "timer": "<bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration>"
    "</bpmn:timerEventDefinition>",
    "error": '<bpmn:errorEventDefinition errorRef="e_broken" />',
    "escalation": '<bpmn:escalationEventDefinition escalationRef="x_late" />',
    "signal": '<bpmn:signalEventDefinition signalRef="s_recall" />',
}


def esp_model(trigger: str, interrupting: bool = True) -> str:
    text = (ENGINE_DATA / "event_subprocesses.bpmn").read_text().replace("TRIGGER", TRIGGERS[trigger])
    return text if interrupting else text.replace('isInterrupting="true"', 'isInterrupting="false"')


def esp_bundle(trigger: str, interrupting: bool = True) -> ProcessBundle:
    roots = {"esp.bpmn": parse_xml(esp_model(trigger, interrupting).encode(), "esp.bpmn")}
    spec, subprocess_specs = load_specs(build_parser(roots), "event_subprocesses")
    return ProcessBundle(spec, subprocess_specs, {})


def trigger(b, result, kind: str):
    """Make the event happen: a message, the timer firing, or the main path throwing it."""
    if kind == "message":
        return step(b, result.state, lambda r: r.deliver_message("note", {"note": "hello"}))[1]
    if kind == "timer":
        timer = next(t for t in result.waiting_timers if t.element_id == "esp_start")
        return step(b, result.state, lambda r: r.fire_timer(timer.task_id))[1]
    return complete_first(b, result, element_id="work")


def ready(result) -> list[str]:
    return sorted(t.element_id for t in result.user_tasks)


@pytest.mark.parametrize("kind", sorted(TRIGGERS))
def test_an_interrupting_event_subprocess_cancels_the_process_work_and_runs(kind):
    b = esp_bundle(kind)
    result = Runner.start(b, {"throw": kind}).result()
    assert ready(result) == ["work"]  # listening, not running
    result = trigger(b, result, kind)
    assert result.status == "waiting" and ready(result) == ["handle"], result.error
    assert "work" not in result.active_elements and "more" not in result.active_elements
    result = complete_first(b, result, element_id="handle")
    assert result.status == "completed"


@pytest.mark.parametrize("kind", ["escalation", "message", "signal", "timer"])
def test_a_non_interrupting_event_subprocess_runs_alongside_the_process(kind):
    b = esp_bundle(kind, interrupting=False)
    result = trigger(b, Runner.start(b, {"throw": kind}).result(), kind)
    main = "work" if kind in ("message", "timer") else "more"
    assert ready(result) == sorted(["handle", main]), result.error
    result = complete_first(b, result, element_id=main)
    assert result.status == "waiting" and ready(result) == ["handle"]  # the handler keeps the process open
    assert complete_first(b, result, element_id="handle").status == "completed"


def test_a_non_interrupting_message_event_subprocess_fires_each_time():
    b = esp_bundle("message", interrupting=False)
    result = Runner.start(b, {"throw": "none"}).result()
    for _ in range(3):
        result = trigger(b, result, "message")
    assert ready(result) == ["handle", "handle", "handle", "work"]
    assert ready(complete_first(b, result, element_id="work")) == ["handle", "handle", "handle"]


def test_an_error_event_subprocess_interrupts_even_when_drawn_non_interrupting():
    b = esp_bundle("error", interrupting=False)
    result = trigger(b, Runner.start(b, {"throw": "error"}).result(), "error")
    assert ready(result) == ["handle"]


def test_the_event_subprocess_timer_is_reported_for_the_jobs_machinery():
    result = Runner.start(esp_bundle("timer"), {}).result()
    (timer,) = result.waiting_timers
    assert timer.element_id == "esp_start" and timer.kind == "duration" and timer.due is not None


def test_an_event_subprocess_that_never_fires_does_not_keep_the_process_open():
    b = esp_bundle("message", interrupting=False)
    result = complete_first(b, Runner.start(b, {"throw": "none"}).result(), element_id="work")
    assert result.status == "completed" and result.user_tasks == []


def test_an_event_subprocess_handler_sees_the_process_variables_and_the_message():
    b = esp_bundle("message")
    result = Runner.start(b, {"throw": "none", "order": 7}).result()
    handle = trigger(b, result, "message").user_tasks[0]
    assert handle.data["order"] == 7 and handle.data["note"] == "hello"


def raw_esp_workflow(kind: str, tmp_path):
    from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
    from SpiffWorkflow.camunda.parser import CamundaParser

    path = tmp_path / "event_subprocesses.bpmn"
    path.write_text(esp_model(kind))
    parser = CamundaParser()
    parser.add_bpmn_file(str(path))
    key = "event_subprocesses"
    workflow = BpmnWorkflow(parser.get_spec(key), parser.get_subprocess_specs(key))
    workflow.do_engine_steps()
    return workflow


def raw_ready(workflow) -> list[str]:
    from SpiffWorkflow.util.task import TaskState

    return sorted(t.task_spec.bpmn_id for t in workflow.get_tasks(state=TaskState.READY, manual=True))


@pytest.mark.parametrize("kind", ["error", "escalation"])
def test_raw_library_runs_an_error_or_escalation_event_subprocess_at_start(kind, tmp_path):
    with raw_library():
        workflow = raw_esp_workflow(kind, tmp_path)
    assert raw_ready(workflow) == ["handle", "work"]  # nothing was thrown, yet the handler runs


def test_raw_library_ignores_an_interrupting_message_event_subprocess(tmp_path):
    from SpiffWorkflow.bpmn.util.event import BpmnEvent
    from SpiffWorkflow.camunda.specs.event_definitions import MessageEventDefinition

    with raw_library():
        workflow = raw_esp_workflow("message", tmp_path)
        workflow.catch(BpmnEvent(MessageEventDefinition("note"), {"payload": {}, "result_var": "note"}))
        workflow.do_engine_steps()
    assert raw_ready(workflow) == ["handle", "work"]  # the interrupted work is still ready


def test_an_interrupting_event_subprocess_in_a_subprocess_cancels_only_that_subprocess():
    b = bundle("nested_event_subprocess")
    result = Runner.start(b, {}).result()
    assert [t.element_id for t in result.user_tasks] == ["work"]
    result = step(b, result.state, lambda r: r.deliver_message("stop", {}))[1]
    assert [t.element_id for t in result.user_tasks] == ["after"] and result.variables["stopped"] is True
    assert complete_first(b, result).status == "completed"


def test_a_listening_event_subprocess_does_not_pin_a_loops_live_state():
    b = bundle("loop_with_listener")
    sizes = {}
    result = Runner.start(b, {"visits": 0, "limit": 10_000}).result()
    for visit in range(1, 1001):
        result = complete_first(b, result)
        sizes[visit] = len(result.state)
    assert result.status == "waiting" and sizes[1000] <= sizes[10] * 1.1  # pruned as without it
    result = step(b, result.state, lambda r: r.deliver_message("stop", {}))[1]
    assert result.status == "completed" and result.variables["stopped"] == 1000


@pytest.mark.parametrize("kind", ["escalation", "signal"])
def test_an_event_nobody_catches_is_dropped_and_the_state_still_saves(kind):
    b = esp_bundle("message")  # its event subprocess listens for a message only
    result = complete_first(b, Runner.start(b, {"throw": kind}).result(), element_id="work")
    assert result.status == "waiting" and ready(result) == ["more"] and result.state
