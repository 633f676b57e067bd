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


def test_a_listening_event_subprocess_is_not_an_active_element():
    b = esp_bundle("message", interrupting=False)
    result = Runner.start(b, {"throw": "none"}).result()
    assert result.active_elements == ["work"]
    result = trigger(b, result, "message")  # once fired, it is active like any subprocess
    assert sorted(result.active_elements) == ["handle", "on_event", "work"]
    result = complete_first(b, complete_first(b, result, element_id="work"), element_id="handle")
    assert result.status == "completed"
    history = [h.element_id for h in result.history]
    # The fresh listener armed after it fired was cancelled at the end without ever being entered.
    assert history.count("on_event") == 1 and "cancelled" not in {h.state for h in result.history}


# --- errors and escalations across nested subprocesses ---------------------------------------------

CODES = {
    "broken": '<bpmn:errorEventDefinition errorRef="e_broken" />',
    "other": '<bpmn:errorEventDefinition errorRef="e_other" />',
    "any": "<bpmn:errorEventDefinition />",
    "late": '<bpmn:escalationEventDefinition escalationRef="x_late" />',
    "x_other": '<bpmn:escalationEventDefinition escalationRef="x_other" />',
    "x_any": "<bpmn:escalationEventDefinition />",
}
NEVER = '<bpmn:timerEventDefinition><bpmn:timeDuration>"P1Y"</bpmn:timeDuration></bpmn:timerEventDefinition>'
ESP = (
    '<bpmn:subProcess id="outer_esp" triggeredByEvent="true"><bpmn:startEvent id="esp_start">{}'
    '</bpmn:startEvent><bpmn:userTask id="esp_handled" /><bpmn:endEvent id="esp_end" />'
    '<bpmn:sequenceFlow id="e1" sourceRef="esp_start" targetRef="esp_handled" />'
    '<bpmn:sequenceFlow id="e2" sourceRef="esp_handled" targetRef="esp_end" /></bpmn:subProcess>'
)


def nested_model(throw: str, inner: str | None, outer: str | None, esp: str | None = None) -> str:
    """An error or escalation thrown two levels deep (in `inner`, inside `outer`), caught by a
    boundary event on `inner` or `outer`, or by an event subprocess of `outer`."""
    text = (ENGINE_DATA / "nested_errors.bpmn").read_text().replace("THROW", CODES[throw])
    for where, code in (("INNER", inner), ("OUTER", outer)):
        # No catcher: a boundary event that catches nothing of this kind, a timer that never comes.
        text = text.replace(f"{where}_CATCH", CODES[code] if code else NEVER)
    return text.replace("OUTER_ESP", ESP.format(CODES[esp]) if esp else "")


def nested_run(*catchers):
    roots = {"nested.bpmn": parse_xml(nested_model(*catchers).encode(), "nested.bpmn")}
    b = ProcessBundle(*load_specs(build_parser(roots), "nested_errors"), {})
    return complete_first(b, Runner.start(b, {}).result(), element_id="work")


@pytest.mark.parametrize(
    ("catchers", "handled_by"),
    [
        (("broken", "broken", "broken"), "inner_handled"),  # the nearest boundary wins
        (("broken", "any", "broken"), "inner_handled"),  # a catch-all boundary catches it too
        (("broken", "other", "broken"), "outer_handled"),  # another code passes it up
        (("broken", "other", "any"), "outer_handled"),
        (("broken", "other", None, "broken"), "esp_handled"),  # the outer event subprocess
        (("broken", "other", None, "any"), "esp_handled"),
        (("broken", "broken", None, "broken"), "inner_handled"),  # nearer than the event subprocess
        (("late", "late", "late"), "inner_handled"),
        (("late", "x_any", "late"), "inner_handled"),
        (("late", "x_other", "late"), "outer_handled"),
        (("late", "x_other", "x_any"), "outer_handled"),
        (("late", "x_other", None, "late"), "esp_handled"),
    ],
)
def test_an_error_or_escalation_two_levels_deep_is_caught_by_the_nearest_matching_scope(catchers, handled_by):
    result = nested_run(*catchers)
    assert result.status == "waiting" and [t.element_id for t in result.user_tasks] == [handled_by], (
        result.error
    )
    assert "work" not in result.active_elements


@pytest.mark.parametrize("catchers", [("broken", None, None), ("broken", "other", "other")])
def test_an_error_nobody_catches_is_an_incident_at_the_throw(catchers):
    result = nested_run(*catchers)
    assert result.status == "failed" and result.error.element_id == "throw_it"
    assert "not caught" in result.error.message and result.user_tasks == []


def test_an_escalation_nobody_catches_lets_the_process_go_on():
    result = nested_run("late", "x_other", "x_other")
    assert result.status == "waiting" and [t.element_id for t in result.user_tasks] == ["after"]


def test_raw_library_drops_an_uncaught_error_and_goes_on(tmp_path):
    from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
    from SpiffWorkflow.camunda.parser import CamundaParser
    from SpiffWorkflow.util.task import TaskState

    path = tmp_path / "nested_errors.bpmn"
    path.write_text(nested_model("broken", None, None))
    parser = CamundaParser()
    parser.add_bpmn_file(str(path))
    with raw_library():
        workflow = BpmnWorkflow(
            parser.get_spec("nested_errors"), parser.get_subprocess_specs("nested_errors")
        )
        workflow.do_engine_steps()
        workflow.get_tasks(state=TaskState.READY, manual=True)[0].run()
        workflow.do_engine_steps()
    assert raw_ready(workflow) == ["after"]  # as if the failed work had succeeded
