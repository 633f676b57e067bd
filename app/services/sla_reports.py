"""SLA figures: open instances as on-track / at-risk / breached, and per definition or team the
compliance rate (closed within target / closed) and the mean resolution time, in business hours
(the clock's own hours, pauses left out) and wall-clock hours (from the clock's start to its stop).

Closed clocks are counted by the database (GROUP BY), so the figures cost the same at a million
closed instances; open clocks are read one by one because their state depends on the calendar and
the time of asking.

A team is the process property `slaTeam`, else the first candidate group the instance's work was
offered to (see app/services/sla.py); instances without either are reported under team null.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, exists, func, or_, select
from sqlalchemy.orm import aliased

from app.extensions import db
from app.models import ProcessInstance, SlaClock, User, UserTask
from app.models.base import utcnow
from app.models.brief import AT_RISK, BREACHED, ON_TRACK
from app.models.instances import CANCELLED
from app.services.sla import clock_item
from app.services.visibility import oversees, visible_to

GROUPINGS = {"definition": SlaClock.definition_key, "team": SlaClock.team}
NAMES = {"definition": "definition_key", "team": "team"}
OPEN_LIMIT = 500  # the open list shows the clocks nearest to (or past) their target first


def _tenant_scope(tenant_id: str, definition_key: str | None):
    where = [SlaClock.tenant_id == tenant_id]
    if definition_key:
        where.append(SlaClock.definition_key == definition_key)
    return where


def user_scope(user: User, definition_key: str | None = None) -> list:
    """The clocks of instances the user may read: operators and admins all; others what they started
    or have a task in (the rule of services/visibility.py)."""
    where = _tenant_scope(user.tenant_id, definition_key)
    if oversees(user):
        return where
    mine = aliased(ProcessInstance)  # the open list joins ProcessInstance itself: no auto-correlation
    started = select(mine.id).where(mine.id == SlaClock.instance_id, mine.started_by == user.username)
    worked = select(UserTask.id).where(UserTask.instance_id == SlaClock.instance_id, visible_to(user))
    return [*where, or_(exists(started), exists(worked))]


def figures(where: list, now: datetime | None = None) -> dict:
    now = now or utcnow()
    items = open_items(where, now)
    return {
        "open": items[:OPEN_LIMIT],
        "definitions": summary(where, "definition", now, items),
        "teams": summary(where, "team", now, items),
    }


def open_items(where: list, now: datetime) -> list[dict]:
    """Every open clock in scope, the nearest to (or furthest past) its target first."""
    query = (
        select(SlaClock, ProcessInstance.business_key)
        .join(ProcessInstance, ProcessInstance.id == SlaClock.instance_id)
        .where(*where, SlaClock.stopped_at.is_(None))
    )
    items = []
    for clock, business_key in db.session.execute(query):
        items.append({**clock_item(clock, now), "business_key": business_key})
    items.sort(key=lambda i: (-i["percent"], i["instance_id"]))
    return items


def summary_for(tenant_id: str, group_by: str, definition_key: str | None = None) -> list[dict]:
    """The summary rows of a tenant grouped by "definition" or "team"."""
    return summary(_tenant_scope(tenant_id, definition_key), group_by, utcnow())


def summary(where: list, group_by: str, now: datetime, items: list[dict] | None = None) -> list[dict]:
    """One row per definition or team: open counts by state, closed, compliance, mean resolution."""
    name = NAMES[group_by]
    items = open_items(where, now) if items is None else items
    rows: dict = {}
    for item in items:
        row = rows.setdefault(item[name], _empty_row(name, item[name]))
        row["open"] += 1
        row[item["state"]] += 1
    for key, closed, met, business, wall in db.session.execute(_closed_query(where, group_by)):
        row = rows.setdefault(key, _empty_row(name, key))
        row.update(
            closed=closed,
            compliance_rate=round(met / closed, 4),
            average_resolution_hours=round(business, 2),
            average_resolution_wall_clock_hours=round(wall, 2) if wall is not None else None,
        )
    return [rows[k] for k in sorted(rows, key=lambda k: (k is None, k or ""))]


# A cancelled request was never resolved: it counts neither for nor against the SLA.
_cancelled = select(ProcessInstance.id).where(
    ProcessInstance.id == SlaClock.instance_id, ProcessInstance.status == CANCELLED
)


def _closed_query(where: list, group_by: str):
    column = GROUPINGS[group_by]
    met = func.sum(case((SlaClock.elapsed_hours < SlaClock.target_hours, 1), else_=0))
    wall = func.avg(_wall_clock_hours())
    return (
        select(column, func.count(), met, func.avg(SlaClock.elapsed_hours), wall)
        .where(*where, SlaClock.stopped_at.is_not(None), ~exists(_cancelled))
        .group_by(column)
    )


def _wall_clock_hours():
    if db.session.get_bind().dialect.name == "sqlite":  # the embedded default: no interval arithmetic
        return (func.julianday(SlaClock.stopped_at) - func.julianday(SlaClock.started_at)) * 24.0
    return func.extract("epoch", SlaClock.stopped_at - SlaClock.started_at) / 3600.0


def _empty_row(name: str, key) -> dict:
    return {
        name: key,
        "open": 0,
        ON_TRACK: 0,
        AT_RISK: 0,
        BREACHED: 0,
        "closed": 0,
        "compliance_rate": None,
        "average_resolution_hours": None,
        "average_resolution_wall_clock_hours": None,
    }
