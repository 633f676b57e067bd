"""When timer start events fire: ISO dates, repeating intervals and cron lines (Camunda writes Quartz)."""

from __future__ import annotations

from datetime import UTC, datetime

from app.engine.timers import first_start, next_start
from app.services.backoff import attempts_for, delay_seconds

NOW = datetime(2025, 3, 3, 8, 0, 0, tzinfo=UTC)  # a Monday


def test_a_bounded_iso_cycle_fires_its_count_then_stops():
    due, state = first_start("cycle", "R3/2025-03-03T09:00:00Z/PT1H", NOW)
    fired = [due]
    while (due := next_start(due, state, due)[0]) is not None:  # each fired on time
        state = next_start(fired[-1], state, fired[-1])[1]
        fired.append(due)
    assert [d.hour for d in fired] == [9, 10, 11]


def test_a_quartz_cron_with_seconds_first_gives_the_next_weekday_morning():
    due, state = first_start("cycle", "0 0 6 ? * MON-FRI", NOW)
    assert due == datetime(2025, 3, 4, 6, 0, tzinfo=UTC)
    assert next_start(due, state, due)[0] == datetime(2025, 3, 5, 6, 0, tzinfo=UTC)


def test_a_five_field_cron_every_fifteen_minutes():
    due, _ = first_start("cycle", "*/15 * * * *", NOW)
    assert due == datetime(2025, 3, 3, 8, 15, tzinfo=UTC)


def test_retry_cycle_sets_attempts_and_a_jittered_fixed_delay():
    assert attempts_for({"retry_cycle": "R5/PT10S"}) == 5
    assert attempts_for({"retries": "2"}) == 2 and attempts_for({}) == 3
    delays = [delay_seconds(1, "R5/PT10S") for _ in range(50)]
    assert all(8 <= d <= 12 for d in delays) and len(set(delays)) > 1
    assert 6.4 <= delay_seconds(3, None) <= 9.6  # exponential default: 2 s * 2^2, +-20%
