"""ISO repeating intervals stepped on the calendar, as a timer start event schedules them
(app.engine.timers.first_start / next_start over app.engine.cycles)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.engine import cycles, timers

DECEMBER = datetime(2025, 12, 1, tzinfo=UTC)


def _schedule(text: str, count: int) -> list[datetime]:
    due, state = timers.first_start("cycle", text, DECEMBER)
    seen = [due]
    for _ in range(count - 1):
        due, state = timers.next_start(due, state, due)
        seen.append(due)
    return seen


def _utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_a_monthly_cycle_keeps_its_day_and_clips_to_the_months_end_as_camunda_7_does():
    assert _schedule("R/2026-01-01T09:00:00Z/P1M", 4) == [_utc(2026, m, 1, 9) for m in (1, 2, 3, 4)]
    # Each occurrence is the one before plus a month: from January 31, February 28, then the 28th.
    assert _schedule("R/2026-01-31T09:00:00Z/P1M", 3) == [
        _utc(2026, 1, 31, 9),
        _utc(2026, 2, 28, 9),
        _utc(2026, 3, 28, 9),
    ]


def test_days_keep_the_zones_wall_clock_time_and_hours_are_elapsed_time():
    berlin = _schedule("R/2026-03-28T09:00:00@Europe/Berlin/P1D", 3)  # summer time from March 29
    assert berlin == [_utc(2026, 3, 28, 8), _utc(2026, 3, 29, 7), _utc(2026, 3, 30, 7)]
    zeebe = _schedule("R/2026-03-28T21:00:00+01:00[Europe/Berlin]/PT12H", 3)
    assert zeebe == [_utc(2026, 3, 28, 20), _utc(2026, 3, 29, 8), _utc(2026, 3, 29, 20)]
    timers.check_iso_literal("cycle", "R/2026-03-28T09:00:00@Europe/Berlin/P1D")  # (deploys)
    # A zone whose name holds "/P" is still the start's, not the period.
    assert _schedule("R/2026-01-01T09:00:00@America/Port_of_Spain/P1D", 2)[1] == _utc(2026, 1, 2, 13)


def test_a_fixed_offset_steps_in_that_offset_and_no_start_counts_one_period_from_now():
    assert _schedule("R/2026-01-30T23:30:00-05:00/P1M", 2)[1] == _utc(2026, 3, 1, 4, 30)  # Feb 28, 23:30 -05
    due, state = timers.first_start("cycle", "R3/P1D", DECEMBER)
    assert due == _utc(2025, 12, 2) and state["cycles"] == 3
    assert cycles.parse("r3/pt10m", DECEMBER)["period"] == "PT10M"  # (an expression may give it)


def test_a_late_firing_takes_the_first_occurrence_after_now_and_old_states_keep_their_seconds():
    due, state = timers.first_start("cycle", "R/2026-01-01T09:00:00Z/P1M", DECEMBER)
    assert timers.next_start(due, state, _utc(2026, 7, 15))[0] == _utc(2026, 8, 1, 9)
    saved_before = {"cycles": -1, "seconds": 86400.0}  # (a schedule stored before periods were kept)
    assert timers.next_start(_utc(2026, 1, 1, 9), saved_before, _utc(2026, 1, 5))[0] == _utc(2026, 1, 5, 9)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("R/2026-01-01T09:00:00Z/P0D", "longer than nothing"),
        ("R/2026-01-01T09:00:00Z/P1X", "'P1X' is not an ISO 8601 duration"),
        ("R/2026-13-01T09:00:00Z/P1D", "month must be in 1..12"),
        ("R/every day", "not a repeating interval"),
    ],
)
def test_a_bad_cycle_is_refused_naming_what_is_wrong(text, message):
    with pytest.raises(ValueError, match=message):
        cycles.parse(text)
    with pytest.raises(ValueError, match="not a valid ISO 8601 cycle"):
        timers.check_iso_literal("cycle", text)
