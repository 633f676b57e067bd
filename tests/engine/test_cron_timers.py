"""Cycle timers written as cron (Camunda's Quartz `0 0 9 * * ?` or 5 fields) on boundary, intermediate
and event-subprocess timer events, driven through the Runner the way the timer jobs drive it.

The engine's clock is the timer library's `datetime`, replaced here by a frozen one (as in
tests/services/test_business_timers.py), so due times are exact and nothing sleeps.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.engine.errors import ModelError
from app.engine.parser import build_parser, load_specs, parse_deployment
from app.engine.runner import ProcessBundle, Runner
from app.engine.xmlsafe import parse_xml
from tests.conftest import DATA
from tests.engine.engine_support import ENGINE_DATA, complete_first, step
from tests.frozen_clock import freeze_timer_clock

MODEL = DATA / "cron" / "cron_timers.bpmn"
MONDAY_0830 = datetime(2025, 3, 3, 8, 30, tzinfo=UTC)
FRIDAY_0830 = datetime(2025, 3, 7, 8, 30, tzinfo=UTC)


@pytest.fixture
def clock(monkeypatch):
    return freeze_timer_clock(monkeypatch, MONDAY_0830)


def model_bundle(key: str, text: str | None = None) -> ProcessBundle:
    roots = {"cron.bpmn": parse_xml((text or MODEL.read_text()).encode(), "cron.bpmn")}
    spec, subprocess_specs = load_specs(build_parser(roots), key)
    return ProcessBundle(spec, subprocess_specs, {})


def fire(b, result, element_id: str):
    timer = next(t for t in result.waiting_timers if t.element_id == element_id)
    return step(b, result.state, lambda r: r.fire_timer(timer.task_id))[1]


def timers(result) -> list[tuple[str, datetime, str]]:
    return [(t.element_id, t.due, t.kind) for t in result.waiting_timers]


def ready(result) -> list[str]:
    return sorted(t.element_id for t in result.user_tasks)


def ran(result, element_id: str) -> int:
    return [h.element_id for h in result.history].count(element_id)


def test_a_non_interrupting_quartz_boundary_timer_fires_its_path_each_day_and_reschedules(clock):
    b = model_bundle("cron_reminder")
    result = Runner.start(b, {}).result()
    assert timers(result) == [("remind", datetime(2025, 3, 3, 9, tzinfo=UTC), "cycle")]
    clock.moment = datetime(2025, 3, 3, 9, 0, 0, 5000, tzinfo=UTC)
    result = fire(b, result, "remind")
    assert ran(result, "count_reminder") == 1 and ready(result) == ["review"]
    assert timers(result) == [("remind", datetime(2025, 3, 4, 9, tzinfo=UTC), "cycle")]
    clock.moment = datetime(2025, 3, 4, 9, 0, 1, tzinfo=UTC)
    result = fire(b, result, "remind")
    assert ran(result, "count_reminder") == 1 and ready(result) == ["review"]
    assert timers(result) == [("remind", datetime(2025, 3, 5, 9, tzinfo=UTC), "cycle")]


def test_a_quartz_weekday_boundary_timer_interrupts_once_on_the_next_weekday(clock):
    clock.moment = FRIDAY_0830
    b = model_bundle("cron_deadline")
    result = Runner.start(b, {}).result()
    assert timers(result) == [("too_late", datetime(2025, 3, 10, 6, tzinfo=UTC), "cycle")]  # Monday 06:00
    clock.moment = datetime(2025, 3, 10, 6, 0, 1, tzinfo=UTC)
    result = fire(b, result, "too_late")
    assert ready(result) == ["escalated"] and timers(result) == []
    states = {h.element_id: h.state for h in result.history}
    assert states["approve"] == "cancelled" and states["too_late"] == "completed"


def test_an_intermediate_cron_timer_from_an_expression_lets_its_token_go_once(clock):
    b = model_bundle("cron_wait")
    result = Runner.start(b, {"slots": "*/15 * * * *"}).result()
    assert timers(result) == [("next_slot", datetime(2025, 3, 3, 8, 45, tzinfo=UTC), "cycle")]
    clock.moment = datetime(2025, 3, 3, 8, 45, tzinfo=UTC)
    result = fire(b, result, "next_slot")
    assert ready(result) == ["call"] and timers(result) == []


def test_an_early_firing_does_not_fire_the_same_occurrence_twice(clock):
    b = model_bundle("cron_reminder")
    result = Runner.start(b, {}).result()
    clock.moment = datetime(2025, 3, 3, 8, 59, 59, 500000, tzinfo=UTC)  # the sweep looks 1 s ahead
    result = fire(b, result, "remind")
    assert ran(result, "count_reminder") == 1
    assert timers(result) == [("remind", datetime(2025, 3, 4, 9, tzinfo=UTC), "cycle")]  # not 09:00 again


def test_a_late_firing_skips_the_missed_occurrences(clock):
    b = model_bundle("cron_reminder")
    result = Runner.start(b, {}).result()
    clock.moment = datetime(2025, 3, 6, 12, tzinfo=UTC)  # the workers were down for three days
    result = fire(b, result, "remind")
    assert ran(result, "count_reminder") == 1
    assert timers(result) == [("remind", datetime(2025, 3, 7, 9, tzinfo=UTC), "cycle")]


def test_a_five_field_cron_counts_minutes_not_seconds(clock):
    text = MODEL.read_text().replace("0 0 9 * * ?", "30 9 * * 1")  # Mondays 09:30
    b = model_bundle("cron_reminder", text)
    result = Runner.start(b, {}).result()
    assert timers(result) == [("remind", datetime(2025, 3, 3, 9, 30, tzinfo=UTC), "cycle")]


def test_an_iso_cycle_still_repeats_its_count_on_a_non_interrupting_boundary(clock):
    text = MODEL.read_text().replace("0 0 9 * * ?", "R2/2025-03-03T09:00:00Z/PT1H")
    b = model_bundle("cron_reminder", text)
    result = Runner.start(b, {}).result()
    assert timers(result) == [("remind", datetime(2025, 3, 3, 9, tzinfo=UTC), "cycle")]
    for hour in (9, 10):
        clock.moment = datetime(2025, 3, 3, hour, 0, 1, tzinfo=UTC)
        result = fire(b, result, "remind")
        assert ran(result, "count_reminder") == 1
    assert timers(result) == [] and ready(result) == ["review"]  # R2: used up


def test_an_interrupting_iso_cycle_boundary_timer_interrupts(clock):
    text = MODEL.read_text().replace("0 0 6 ? * MON-FRI", "R/2025-03-03T09:00:00Z/PT1H")
    b = model_bundle("cron_deadline", text)
    result = Runner.start(b, {}).result()
    clock.moment = datetime(2025, 3, 3, 9, 0, 1, tzinfo=UTC)
    assert ready(fire(b, result, "too_late")) == ["escalated"]


# --- event subprocesses ---------------------------------------------------------------------------

CRON_TRIGGER = (
    "<bpmn:timerEventDefinition><bpmn:timeCycle>0 0 9 * * ?</bpmn:timeCycle></bpmn:timerEventDefinition>"
)


def esp_bundle(interrupting: bool) -> ProcessBundle:
    text = (ENGINE_DATA / "event_subprocesses.bpmn").read_text().replace("TRIGGER", CRON_TRIGGER)
    if not interrupting:
        text = text.replace('isInterrupting="true"', 'isInterrupting="false"')
    return model_bundle("event_subprocesses", text)


def test_an_interrupting_cron_event_subprocess_cancels_the_work_once(clock):
    b = esp_bundle(interrupting=True)
    result = Runner.start(b, {"throw": "none"}).result()
    assert timers(result) == [("esp_start", datetime(2025, 3, 3, 9, tzinfo=UTC), "cycle")]
    clock.moment = datetime(2025, 3, 3, 9, 0, 1, tzinfo=UTC)
    result = fire(b, result, "esp_start")
    assert ready(result) == ["handle"] and timers(result) == []


def test_a_non_interrupting_cron_event_subprocess_runs_alongside_and_rearms(clock):
    b = esp_bundle(interrupting=False)
    result = Runner.start(b, {"throw": "none"}).result()
    clock.moment = datetime(2025, 3, 3, 9, 0, 1, tzinfo=UTC)
    result = fire(b, result, "esp_start")
    assert ready(result) == ["handle", "work"]
    assert timers(result) == [("esp_start", datetime(2025, 3, 4, 9, tzinfo=UTC), "cycle")]
    clock.moment = datetime(2025, 3, 4, 9, 0, 1, tzinfo=UTC)
    assert ready(fire(b, result, "esp_start")) == ["handle", "handle", "work"]


# --- deploy-time validation -----------------------------------------------------------------------


def test_a_cron_time_cycle_deploys():
    parsed = parse_deployment({"cron.bpmn": MODEL.read_bytes()})
    assert {p.key for p in parsed.processes} == {"cron_reminder", "cron_deadline", "cron_wait"}


def test_a_malformed_cron_time_cycle_is_refused_naming_the_element():
    text = MODEL.read_text().replace("0 0 6 ? * MON-FRI", "0 0 25 ? * MON-FRI")
    with pytest.raises(ModelError) as refused:
        parse_deployment({"cron.bpmn": text.encode()})
    assert refused.value.element_id == "too_late" and "0 0 25 ? * MON-FRI" in str(refused.value)


def test_a_cron_event_subprocess_handler_keeps_the_process_open_after_its_work_is_done(clock):
    b = esp_bundle(interrupting=False)
    result = Runner.start(b, {"throw": "none"}).result()
    clock.moment = datetime(2025, 3, 3, 9, 0, 1, tzinfo=UTC)
    result = complete_first(b, fire(b, result, "esp_start"), element_id="work")
    assert result.status == "waiting" and ready(result) == ["handle"]  # not cancelled with the listener
    assert complete_first(b, result, element_id="handle").status == "completed"


def test_a_rearmed_cron_event_subprocess_does_not_fire_an_early_fired_occurrence_again(clock):
    b = esp_bundle(interrupting=False)
    result = Runner.start(b, {"throw": "none"}).result()
    clock.moment = datetime(2025, 3, 3, 8, 59, 59, 500000, tzinfo=UTC)  # the sweep looks 1 s ahead
    result = fire(b, result, "esp_start")
    assert timers(result) == [("esp_start", datetime(2025, 3, 4, 9, tzinfo=UTC), "cycle")]
