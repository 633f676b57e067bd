"""Compensation: handlers of completed activities run in reverse order when a compensation event
is thrown, also after the activities were pruned from the live state and inside sub-processes; a
user task handler waits for its person and the throw waits for it; a compensation event
subprocess undoes its sub-process; each multi-instance instance is undone; loops stay bounded.
SpiffWorkflow 3.2 has no compensation; the raw library refuses the model."""

from __future__ import annotations

import dataclasses
import re

import pytest

from app.engine.parser import build_parser, load_specs
from app.engine.runner import ProcessBundle, Runner
from app.engine.xmlsafe import parse_xml
from tests.engine.engine_support import ENGINE_DATA, bundle, complete_first, raw_library

ALL = "<bpmn:compensateEventDefinition />"


def model(name: str, undo: str) -> str:
    return (ENGINE_DATA / f"{name}.bpmn").read_text().replace("UNDO", undo)


def booking(name: str = "booking", undo: str = ALL) -> ProcessBundle:
    roots = {f"{name}.bpmn": parse_xml(model(name, undo).encode(), f"{name}.bpmn")}
    spec, subprocess_specs = load_specs(build_parser(roots), name)
    return ProcessBundle(spec, subprocess_specs, {})


def book(b, card: str):
    """Hotel booked by a script, the flight by a user (a save in between), then payment."""
    result = Runner.start(b, {"trip": "rome", "card": card, "cancelled": []}).result()
    assert result.active_elements == ["book_flight"]
    return complete_first(b, result, {"flight": "F-1"})


def test_failed_payment_cancels_flight_then_hotel():
    result = book(booking(), "bad")
    assert result.status == "waiting" and result.active_elements == ["tell_customer"], result.error
    assert result.variables["cancelled"] == ["F-1", "H-rome"]  # newest first
    assert [h.element_id for h in result.history][-3:] == ["undo", "cancel_flight", "cancel_hotel"]


def test_successful_payment_runs_no_handler():
    result = book(booking(), "good")
    assert result.status == "completed" and result.variables["cancelled"] == []
    assert "cancel_hotel" not in [h.element_id for h in result.history]


def test_the_completed_activity_is_remembered_after_it_is_pruned():
    b = booking()
    result = Runner.start(b, {"trip": "rome", "card": "bad", "cancelled": []}).result()
    assert "book_hotel" in [h.element_id for h in result.history]
    assert '"activity":"book_hotel"' in result.state and '"hotel":"H-rome"' in result.state


def test_a_throw_with_activity_ref_compensates_only_that_activity():
    result = book(booking(undo='<bpmn:compensateEventDefinition activityRef="book_hotel" />'), "bad")
    assert result.variables["cancelled"] == ["H-rome"]


def test_an_activity_is_compensated_once():
    twice = "<bpmn:compensateEventDefinition /><bpmn:documentation>x</bpmn:documentation>"
    result = book(booking(undo=twice), "bad")
    result = complete_first(booking(undo=twice), result)
    assert result.status == "completed" and result.variables["cancelled"] == ["F-1", "H-rome"]


@pytest.mark.parametrize("undo", [ALL, '<bpmn:compensateEventDefinition activityRef="trip" />'])
def test_compensating_a_completed_subprocess_runs_its_handlers_in_reverse_order(undo):
    b = booking("booking_trip", undo)
    result = Runner.start(b, {"cancelled": []}).result()
    assert result.active_elements == ["pay"]  # the sub-process completed and was pruned
    result = complete_first(b, result)
    assert result.status == "completed", result.error
    assert result.variables["cancelled"] == ["F-1", "H-1"]
    assert [h.element_id for h in result.history][-2:] == ["cancel_flight", "cancel_hotel"]


def test_a_compensation_end_event_elsewhere_leaves_other_activities_alone():
    b = booking("booking_trip", '<bpmn:compensateEventDefinition activityRef="pay" />')
    result = complete_first(b, Runner.start(b, {"cancelled": []}).result())
    assert result.status == "completed" and result.variables["cancelled"] == []


def test_raw_library_refuses_a_compensation_boundary_event(tmp_path):
    from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
    from SpiffWorkflow.camunda.parser import CamundaParser

    path = tmp_path / "booking.bpmn"
    path.write_text(model("booking", ALL))
    parser = CamundaParser()
    parser.add_bpmn_file(str(path))
    with raw_library(), pytest.raises(ValidationException, match="Unsupported Catch Event"):
        parser.get_spec("booking")


# --- a user task as handler: the throw waits for its person (waitForCompletion) -----------------


def test_a_user_task_handler_waits_for_its_person_and_the_throw_waits_with_it():
    b = bundle("booking_by_hand")
    result = Runner.start(b, {"trip": "rome", "card": "bad", "cancelled": []}).result()
    result = complete_first(b, result, {"flight": "F-1"}, element_id="book_flight")
    assert result.status == "waiting", result.error
    assert [t.element_id for t in result.user_tasks] == ["cancel_flight"]
    assert sorted(result.active_elements) == ["cancel_flight", "undo"]  # the throw has not gone on
    assert result.user_tasks[0].data["flight"] == "F-1"  # the data the flight was booked with
    result = complete_first(b, result, {"refund": 120}, element_id="cancel_flight")
    assert [t.element_id for t in result.user_tasks] == ["tell_customer"], result.error
    assert result.variables["cancelled"] == ["H-rome"] and result.variables["refund"] == 120
    done = sorted(result.history, key=lambda h: h.exited_at)
    assert [h.element_id for h in done][-3:] == ["cancel_flight", "cancel_hotel", "undo"]


def test_a_user_task_handler_is_not_ready_before_the_throw():
    b = bundle("booking_by_hand")
    result = Runner.start(b, {"trip": "rome", "card": "good", "cancelled": []}).result()
    result = complete_first(b, result, {"flight": "F-1"}, element_id="book_flight")
    assert result.status == "completed" and result.user_tasks == []


# --- a compensation event subprocess compensates its sub-process --------------------------------


def trip_undone_by_event(inner_undo: str = ALL) -> ProcessBundle:
    text = model("trip_undone_by_event", ALL).replace("ESP_THROW", inner_undo)
    roots = {"trip.bpmn": parse_xml(text.encode(), "trip.bpmn")}
    return ProcessBundle(*load_specs(build_parser(roots), "trip_undone_by_event"), {})


def test_a_compensation_event_subprocess_does_not_run_while_its_subprocess_runs():
    result = Runner.start(trip_undone_by_event(), {"cancelled": []}).result()
    assert result.active_elements == ["pay"] and result.variables["cancelled"] == []
    assert "note_undo" not in [h.element_id for h in result.history]


def test_compensating_a_subprocess_runs_its_compensation_event_subprocess_with_the_snapshot():
    b = trip_undone_by_event()
    result = complete_first(b, Runner.start(b, {"cancelled": []}).result())
    assert result.status == "completed", result.error
    # The event subprocess runs instead of the default; its own throw undoes the trip's activities.
    assert result.variables["cancelled"] == ["trip of H-1/F-1", "F-1", "H-1"]
    history = [h.element_id for h in result.history]
    assert history.index("note_undo") < history.index("cancel_flight") < history.index("cancel_hotel")


def test_a_compensation_event_subprocess_can_undo_one_inner_activity():
    b = trip_undone_by_event('<bpmn:compensateEventDefinition activityRef="book_hotel" />')
    result = complete_first(b, Runner.start(b, {"cancelled": []}).result())
    assert result.status == "completed", result.error
    assert result.variables["cancelled"] == ["trip of H-1/F-1", "H-1"]


# --- multi-instance: one handler run per completed instance, newest first ------------------------


@pytest.mark.parametrize("sequential", ["true", "false"])
def test_each_completed_instance_of_a_multi_instance_activity_is_compensated(sequential):
    text = model("mi_compensation", ALL).replace("SEQUENTIAL", sequential)
    roots = {"mi.bpmn": parse_xml(text.encode(), "mi.bpmn")}
    b = ProcessBundle(*load_specs(build_parser(roots), "mi_compensation"), {})
    result = Runner.start(b, {"guests": ["ann", "bob", "cy"], "cancelled": []}).result()
    assert "guest" not in result.variables  # the instance's locals stay its own
    result = complete_first(b, result)
    assert result.status == "completed", result.error
    assert result.variables["cancelled"] == ["cy:2", "bob:1", "ann:0"]  # reverse completion order
    assert [h.element_id for h in result.history].count("cancel_room") == 3


# --- loops: the records stay bounded ----------------------------------------------------------


def test_a_loop_keeps_one_compensation_record_per_activity_and_scope():
    b = bundle("compensation_loop")
    result = Runner.start(b, {"turn": 1, "limit": 60, "released": [], "refunded": []}).result()
    sizes = {}
    for turn in range(1, 60):
        result = complete_first(b, result)
        sizes[turn] = len(result.state)
    assert result.state.count('"activity":"reserve"') == 1 and result.state.count('"activity":"charge"') == 1
    assert sizes[59] <= sizes[5] * 1.1
    result = complete_first(b, result)
    assert result.status == "completed", result.error
    # A re-executed activity replaced its earlier record: the latest turn is undone, once.
    assert result.variables["refunded"] == [60] and result.variables["released"] == [60]


def test_a_record_saved_before_scope_instances_were_kept_is_still_compensated():
    b = booking()
    result = Runner.start(b, {"trip": "rome", "card": "bad", "cancelled": []}).result()
    old = '{"activity":"book_hotel","handler":"cancel_hotel","scope":[],"at":1.0,"data":{"hotel":"H-old"}}'
    state = re.sub(r'"baton_compensable":\[.*?\}\}\]', '"baton_compensable":[' + old + "]", result.state)
    assert state != result.state
    result = complete_first(b, dataclasses.replace(result, state=state), {"flight": "F-1"})
    assert result.variables["cancelled"] == ["F-1", "H-rome"], result.error  # current values win
