"""Business-hours calendars: working hours, weekends and public holidays from the `holidays` package."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.services.calendars import CalendarError, calendar_named, due_after


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_two_working_hours_at_christmas_skip_both_holidays_and_the_weekend():
    # Wed 24 Dec 2025, 16:00 in Berlin: one hour left today; 25/26 Dec are holidays, then a weekend.
    assert calendar_named("DE-9to17").add(utc(2025, 12, 24, 15), "PT2H") == utc(2025, 12, 29, 9)


def test_twenty_four_business_hours_are_three_eight_hour_days():
    # Mon 3 Nov 2025 09:00 Berlin (08:00 UTC) + PT24H = Wed 17:00 Berlin, not Tue 09:00.
    assert calendar_named("DE-9to17").add(utc(2025, 11, 3, 8), "PT24H") == utc(2025, 11, 5, 16)


def test_a_day_is_one_working_day_and_time_outside_hours_waits_for_the_next_opening():
    # Fri 7 Nov 2025 20:00 Berlin: nothing counts until Mon 09:00; P1D ends Tue 09:00 (= Mon 17:00).
    assert calendar_named("DE-9to17").add(utc(2025, 11, 7, 19), "P1D") == utc(2025, 11, 10, 16)


def test_a_subdivision_has_its_own_holidays():
    # 6 Jan 2026 (Tue) is Epiphany in Bavaria, a working day in Berlin.
    start = utc(2026, 1, 6, 7)  # 08:00 Berlin
    assert calendar_named("DE-BE-9to17").add(start, "PT1H") == utc(2026, 1, 6, 9)
    assert calendar_named("DE-BY-9to17").add(start, "PT1H") == utc(2026, 1, 7, 9)


def test_minutes_in_hours_and_an_explicit_zone():
    # Thu 4 Jul 2024 is Independence Day; Fri 5 Jul 09:30 New York (13:30 UTC) + 90 min.
    calendar = calendar_named("US-NY-9:30to17@America/New_York")
    assert calendar.add(utc(2024, 7, 4, 15), "PT90M") == utc(2024, 7, 5, 15)


@pytest.mark.parametrize("name", ["Mars-9to17", "XX-9to17", "DE-17to9", "DE-9to17@No/Where"])
def test_an_unknown_or_malformed_calendar_is_refused_by_name(name):
    with pytest.raises(CalendarError, match="calendar"):
        calendar_named(name)


def test_years_cannot_be_counted_in_business_time():
    with pytest.raises(CalendarError, match="P1Y"):
        calendar_named("DE-9to17").add(utc(2025, 1, 1), "P1Y")


def test_without_a_calendar_a_duration_is_wall_clock_time():
    assert due_after({}, utc(2025, 12, 24, 15), "PT2H") == utc(2025, 12, 24, 17)
    assert due_after({"businessCalendar": "24x7"}, utc(2025, 12, 27, 15), "P1D") == utc(2025, 12, 28, 15)
    assert due_after({"businessCalendar": "DE-9to17"}, utc(2025, 12, 27, 15), "PT1H") == utc(2025, 12, 29, 9)
