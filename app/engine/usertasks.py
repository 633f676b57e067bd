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


# The elements' keys of a user task's people, with the attribute a modeller wrote for each.
_PEOPLE = {"assignee": "assignee", "candidate_users": "candidateUsers", "candidate_groups": "candidateGroups"}


def task_fields(element: dict, data: dict, instance) -> tuple[dict, str | None]:
    """Columns of a new UserTask row, and an incident message when its assignment or schedule failed.

    Each attribute is evaluated on its own: a failing due date or priority must not also lose the
    people the task is for. A task must never be lost either: it is created whatever failed, and the
    caller records the message as an incident. One whose model names people (assignee, candidates, a
    lane) but found nobody is offered to no one, not to everyone: admins and operators see it and
    hand it on. Only a model that names no one offers the task to every user (offered_to_all).
    """
    context = {**data, "initiator": instance.started_by}
    failed: list[str] = []

    def read(key: str, attribute: str, evaluate, default):
        try:
            return evaluate(element.get(key), context)
        except (ExpressionError, ValueError, TypeError) as exc:
            failed.append(f"{attribute} failed: {exc}")
            return default

    assignee = read("assignee", "assignee", _value, None)
    users = read("candidate_users", "candidateUsers", _names, [])
    groups = read("candidate_groups", "candidateGroups", _names, [])
    if element.get("lane_group"):
        groups = [element["lane_group"]]
    fields = {
        "assignee": str(assignee) if assignee else None,
        "candidate_users": users,
        "candidate_groups": groups,
        "offered_to_all": not _names_people(element),
        "due": read("due_date", "dueDate", _when, None),
        "follow_up": read("follow_up_date", "followUpDate", _when, None),
        "priority": read("priority", "priority", _priority, 50),
        "form": element.get("form"),
        "documentation": element.get("instructions") or element.get("documentation"),
    }
    problems = failed + _nobody(element, fields)
    if not problems:
        return fields, None
    return fields, f"user task '{element.get('name')}': {'; '.join(problems)}"


def _priority(raw, data: dict) -> int:
    return int(_value(raw, data) or 50)


def _names_people(element: dict) -> list[str]:
    """The attributes through which the model names who the task is for."""
    named = [attribute for key, attribute in _PEOPLE.items() if element.get(key)]
    return named + (["lane"] if element.get("lane_group") else [])


def _nobody(element: dict, fields: dict) -> list[str]:
    named = _names_people(element)
    if not named or fields["assignee"] or fields["candidate_users"] or fields["candidate_groups"]:
        return []
    return [
        f"{' and '.join(named)} evaluated to nobody; only admins and operators see the task "
        "until one of them delegates it"
    ]
