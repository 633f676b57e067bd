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


def freeze_sla_clock(monkeypatch, moment: datetime) -> type[FrozenClock]:
    """Make SLA clocks (started, paused, stopped, read) and timer events read `moment` as now.

    Patched where the SLA modules look `utcnow` up, so a live server thread of the same process
    sees it too; move time by setting `.moment` on the returned class.
    """
    import app.services.sla as sla
    import app.services.sla_reports as sla_reports

    clock = freeze_timer_clock(monkeypatch, moment)
    for module in (sla, sla_reports):
        monkeypatch.setattr(module, "utcnow", lambda: clock.moment)
    return clock


def freeze_sign_in_clock(monkeypatch, moment: datetime) -> type[FrozenClock]:
    """Make the audit trail's timestamps and the sign-in limits read `moment` as now, so failed
    sign-ins are recorded at and counted from it; move time by setting `.moment` on the returned class."""
    import app.services.audit as audit
    import app.services.sign_ins as sign_ins

    monkeypatch.setattr(FrozenClock, "moment", moment)
    for module in (audit, sign_ins):
        monkeypatch.setattr(module, "utcnow", lambda: FrozenClock.moment)
    return FrozenClock
