"""SLA clocks: a target per process definition, counted in business hours when a calendar is named.

Process properties (camunda:properties on the bpmn:process):
- `slaHours`: the target, e.g. 48;
- `businessCalendar`: a calendar of app/services/calendars.py (e.g. `DE-9to17`); a bare country code
  (e.g. `GB`) means Monday to Friday 09:00-17:00 UTC minus its public holidays; without it, wall-clock;
- `slaStartElement`: the clock starts when this element is reached (default: at instance creation);
- `slaPauseElements`: comma-separated elements in which the clock stands still (waiting for the requester);
  it stands still while the instance is suspended too (`hold`);
- `slaTeam`: the team the instance is reported under; without it, the first candidate group the
  instance's work was offered to (app/services/sla_reports.py groups by it).
The clock warns at 80 % (at_risk) and breaches at 100 %; each change is an SlaEvent. The state is also
computed on read, so a report is right even between the periodic checks.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select

from app.engine.reports import StepResult
from app.extensions import db
from app.models import Definition, ProcessInstance, SlaClock, SlaEvent, UserTask
from app.models.base import utcnow
from app.models.brief import AT_RISK, BREACHED, ON_TRACK
from app.models.instances import ENDED
from app.services.calendars import CalendarError, WallClock, calendar_named
from app.services.stepping import after_step

log = logging.getLogger(__name__)

WARN_AT = 0.8


def hours_between(start: datetime, end: datetime, calendar: str | None) -> float:
    """Hours from start to end: wall-clock, or working hours of the named business calendar."""
    return (calendar_named(calendar) if calendar else WallClock()).hours_between(start, end)


def elapsed(clock: SlaClock, now: datetime | None = None) -> float:
    """Business hours the clock has run, without the paused stretches."""
    if clock.started_at is None:
        return 0.0
    if clock.stopped_at is not None and clock.elapsed_hours is not None:
        return clock.elapsed_hours
    now = now or utcnow()
    paused = clock.paused_hours
    if clock.paused_since is not None:
        paused += hours_between(clock.paused_since, now, clock.calendar)
    return max(hours_between(clock.started_at, now, clock.calendar) - paused, 0.0)


def state_of(clock: SlaClock, now: datetime | None = None) -> str:
    ratio = elapsed(clock, now) / clock.target_hours if clock.target_hours else 0.0
    return BREACHED if ratio >= 1 else AT_RISK if ratio >= WARN_AT else ON_TRACK


def _settings(definition: Definition | None) -> dict | None:
    props = ((definition.meta or {}).get("properties") or {}) if definition is not None else {}
    if not props.get("slaHours"):
        return None
    return {
        "target": float(props["slaHours"]),
        "calendar": _calendar(props.get("businessCalendar")),
        "start": props.get("slaStartElement") or None,
        "pause": {p.strip() for p in (props.get("slaPauseElements") or "").split(",") if p.strip()},
        "team": (props.get("slaTeam") or "").strip()[:255] or None,
    }


def _calendar(name: str | None) -> str | None:
    """The calendar name when it is one Baton knows; an unknown one counts wall-clock hours (logged)."""
    if not name:
        return None
    try:
        calendar_named(name.strip())
    except CalendarError as exc:
        log.warning("SLA clock counts wall-clock hours: %s", exc)
        return None
    return name.strip()


def _event(clock: SlaClock, kind: str, now: datetime) -> None:
    db.session.add(
        SlaEvent(
            tenant_id=clock.tenant_id,
            instance_id=clock.instance_id,
            kind=kind,
            at=now,
            elapsed_hours=round(elapsed(clock, now), 4),
        )
    )


def check(clock: SlaClock, now: datetime | None = None) -> None:
    """Record a warning or a breach the first time the clock crosses 80 % or 100 %. The caller commits."""
    now = now or utcnow()
    new = state_of(clock, now)
    order = (ON_TRACK, AT_RISK, BREACHED)
    while order.index(clock.state) < order.index(new):
        clock.state = order[order.index(clock.state) + 1]
        _event(clock, "warning" if clock.state == AT_RISK else "breached", now)


_SETTINGS: dict = {}


def settings_for(definition_id) -> dict | None:
    """A definition's SLA settings; cached, because a deployed definition's model never changes."""
    if definition_id not in _SETTINGS:
        _SETTINGS[definition_id] = _settings(db.session.get(Definition, definition_id))
    return _SETTINGS[definition_id]


@after_step
def track_sla(instance: ProcessInstance, result: StepResult) -> None:
    """Start, pause, resume and stop the instance's clock as the step moved it."""
    settings = settings_for(instance.definition_id)
    if settings is None:
        return
    clock = db.session.get(SlaClock, instance.id) or _new_clock(instance, settings)
    if clock.stopped_at is not None:
        return
    if clock.team is None and result.user_tasks:
        clock.team = _first_group(instance)
    now = utcnow()
    reached = set(result.active_elements) | {h.element_id for h in result.history}
    if clock.started_at is None and (settings["start"] is None or settings["start"] in reached):
        clock.started_at = now
        _event(clock, "started", now)
    _pause_or_resume(clock, settings["pause"] & set(result.active_elements), now)
    check(clock, now)
    if result.status in ENDED:
        _stop(clock, now)


def _new_clock(instance: ProcessInstance, settings: dict) -> SlaClock:
    db.session.flush()  # the instance row must exist before its clock refers to it
    clock = SlaClock(
        instance_id=instance.id,
        tenant_id=instance.tenant_id,
        definition_key=instance.definition_key,
        target_hours=settings["target"],
        calendar=settings["calendar"],
        team=settings["team"],
        paused_hours=0.0,
        state=ON_TRACK,
    )
    db.session.add(clock)
    return clock


def _first_group(instance: ProcessInstance) -> str | None:
    """The first candidate group of the instance's user tasks (the rows this step added included)."""
    query = select(UserTask.candidate_groups).where(UserTask.instance_id == instance.id)
    for groups in db.session.execute(query.order_by(UserTask.created_at)).scalars():
        if groups:
            return str(groups[0])[:255]
    return None


def _pause_or_resume(clock: SlaClock, pausing: set, now: datetime) -> None:
    if clock.started_at is None:
        return
    if pausing and clock.paused_since is None:
        clock.paused_since = now
        _event(clock, "paused", now)
    elif not pausing and clock.paused_since is not None:
        clock.paused_hours += hours_between(clock.paused_since, now, clock.calendar)
        clock.paused_since = None
        _event(clock, "resumed", now)


def hold(instance: ProcessInstance, suspended: bool) -> None:
    """Stand the instance's clock still while it is suspended (nobody may work on it then), and run
    it again on resume unless the instance waits in a pause element. The caller commits."""
    settings = settings_for(instance.definition_id)
    if settings is None:
        return
    clock = db.session.get(SlaClock, instance.id)
    if clock is None or clock.stopped_at is not None:
        return
    pausing = suspended or bool(settings["pause"] & set(instance.active_elements or ()))
    _pause_or_resume(clock, {"suspended"} if pausing else set(), utcnow())


def _stop(clock: SlaClock, now: datetime) -> None:
    _pause_or_resume(clock, set(), now)
    clock.elapsed_hours = elapsed(clock, now)
    clock.stopped_at = now
    _event(clock, "met" if clock.elapsed_hours < clock.target_hours else "missed", now)


def check_open_clocks(now: datetime | None = None) -> int:
    """The periodic check: record warnings and breaches of running clocks; returns how many changed.

    Each clock is locked with its instance, as a step locks it: one whose instance is in a step is
    skipped (that step checks its clock itself), so a warning or a breach is never recorded twice, nor
    after the step stopped the clock. (SQLite runs one transaction at a time: no race there.)"""
    running = (
        select(SlaClock)
        .join(ProcessInstance, ProcessInstance.id == SlaClock.instance_id)
        .where(SlaClock.stopped_at.is_(None))
        .with_for_update(of=[SlaClock, ProcessInstance], skip_locked=True)
        .execution_options(populate_existing=True)
    )
    clocks = db.session.execute(running).scalars().all()
    changed = 0
    for clock in clocks:
        before = clock.state
        check(clock, now)
        changed += clock.state != before
    db.session.commit()
    return changed


def events_of(tenant_id: str, instance_id) -> list[SlaEvent]:
    query = select(SlaEvent).where(SlaEvent.tenant_id == tenant_id, SlaEvent.instance_id == instance_id)
    return list(db.session.execute(query.order_by(SlaEvent.id)).scalars())


def clock_of(instance_id) -> dict:
    """The instance's clock as a report item, or {"state": None} when its process has no SLA."""
    clock = db.session.get(SlaClock, instance_id)
    return clock_item(clock, utcnow()) if clock is not None else {"state": None}


def clock_item(clock: SlaClock, now: datetime) -> dict:
    """One clock as reports show it: state, business hours elapsed and left, percent of the target."""
    spent = elapsed(clock, now)
    return {
        "instance_id": str(clock.instance_id),
        "definition_key": clock.definition_key,
        "team": clock.team,
        "state": state_of(clock, now),
        "elapsed_hours": round(spent, 2),
        "remaining_hours": round(clock.target_hours - spent, 2),
        "target_hours": clock.target_hours,
        "percent": round(100 * spent / clock.target_hours, 1) if clock.target_hours else 0.0,
        "paused": clock.paused_since is not None,
    }
