"""A frozen clock for the timer library: due times computed from a fixed "now", no sleeping."""

from __future__ import annotations

from datetime import UTC, datetime


class FrozenClock(datetime):
    moment: datetime = datetime(2025, 1, 1, tzinfo=UTC)

    @classmethod
    def now(cls, tz=None):
        return cls.moment.astimezone(tz or UTC)


def freeze_timer_clock(monkeypatch, moment: datetime) -> type[FrozenClock]:
    """Make SpiffWorkflow's timer events read `moment` as now; move it by setting `.moment`."""
    import SpiffWorkflow.bpmn.specs.event_definitions.timer as timer_library

    monkeypatch.setattr(timer_library, "datetime", FrozenClock)
    monkeypatch.setattr(FrozenClock, "moment", moment)
    return FrozenClock
