"""Compensation: handlers of completed activities run in reverse order when a compensation event
is thrown, also after the activities were pruned from the live state and inside sub-processes.
SpiffWorkflow 3.2 has no compensation; the raw library refuses the model."""

from __future__ import annotations

import pytest

from app.engine.parser import build_parser, load_specs
from app.engine.runner import ProcessBundle, Runner
from app.engine.xmlsafe import parse_xml
from tests.engine.engine_support import ENGINE_DATA, complete_first, raw_library

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
