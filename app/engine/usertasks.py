"""Resolve a user task's assignment, schedule and form from its element's extensions."""

from __future__ import annotations

from datetime import UTC, datetime

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from app.engine import expressions
from app.engine.expression_errors import ExpressionError


def has_people(spec, subprocess_specs: dict) -> bool:
    """Whether a process, or one it calls, has a task a person completes (a manual spec: user,
    manual and plain tasks); a step of one without never leaves an open user task behind. A process
    it calls is bound when reached, so any call activity may lead to one."""
    from app.engine.call_activity import calls_processes

    manual = any(t.manual for p in (spec, *subprocess_specs.values()) for t in p.task_specs.values())
    return manual or calls_processes(spec, subprocess_specs)


def _value(raw, data: dict):
    """Evaluate `raw` when it is an expression; plain text (`demo`, `sales,qa`) is taken as written."""
    if raw is None:
        return None
    text = str(raw).strip()
    if expressions.dialect_of(text) in ("juel", "feel"):
        return expressions.evaluate(text, data)
    return text


def _names(raw, data: dict) -> list[str]:
    value = _value(raw, data) if isinstance(raw, str) else raw
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return [str(v) for v in value if v]


def _when(raw, data: dict) -> datetime | None:
    value = _value(raw, data)
    if not value:
        return None
    text = str(value)
    if text.startswith("P"):
        now = datetime.now(UTC)
        return now + TimerEventDefinition.get_timedelta_from_start(
            TimerEventDefinition.parse_iso_duration(text), now
        )
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def task_fields(element: dict, data: dict, instance) -> tuple[dict, str | None]:
    """Columns of a new UserTask row, and an error message when an expression failed.

    A failing assignment expression must not lose the task: it is created unassigned and the
    caller records an incident, so a person can still see and fix it.
    """
    error = None
    context = {**data, "initiator": instance.started_by}
    try:
        assignee = _value(element.get("assignee"), context)
        users = _names(element.get("candidate_users"), context)
        groups = _names(element.get("candidate_groups"), context)
        due, follow_up = (
            _when(element.get("due_date"), context),
            _when(element.get("follow_up_date"), context),
        )
        priority = int(_value(element.get("priority"), context) or 50)
    except (ExpressionError, ValueError, TypeError) as exc:
        assignee, users, groups, due, follow_up, priority = None, [], [], None, None, 50
        error = f"user task '{element.get('name')}' assignment failed: {exc}"
    if element.get("lane_group"):
        groups = [element["lane_group"]]
    return {
        "assignee": str(assignee) if assignee else None,
        "candidate_users": users,
        "candidate_groups": groups,
        "due": due,
        "follow_up": follow_up,
        "priority": priority,
        "form": element.get("form"),
        "documentation": element.get("instructions") or element.get("documentation"),
    }, error
