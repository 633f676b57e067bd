"""No task is assigned to a ghost: an assignee expression (`camunda:assignee="${approver}"`) that
gives a name no active user of the tenant has would hold the task where nobody can ever see it.

Where the request that made the task named that user in its variables (a start, a completion, a
message, a retry), the request is refused: a 400 naming the variable and the value, nothing written.
Where the name came from elsewhere (a script, a decision, a service task's result), the task is made
without the assignee, so it goes to its candidates (or, with none, to admins and operators, who hand
it on), and the caller opens an incident naming the task, the expression and the user.

A literal assignee (`camunda:assignee="boss"`) is the modeller's choice, kept as written: the user
may be created later. Only names an expression gave are checked, with one query per step.
"""

from __future__ import annotations

import re

from sqlalchemy import select

from app.engine import expressions
from app.errors import ValidationError
from app.extensions import db
from app.models import User

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def ghost_problems(tenant_id: str, planned: list, sent: dict | None) -> dict:
    """{task id: the incident's words} for each planned task (ready, element, fields) whose
    assignee expression named no active user; their assignee is dropped from `fields`. A 400 when
    `sent` (the request's variables) named that user."""
    computed = [p for p in planned if p[2]["assignee"] and _is_expression(p[1].get("assignee"))]
    if not computed:
        return {}
    known = _active_users(tenant_id, {fields["assignee"] for _, _, fields in computed})
    problems = {}
    for ready, element, fields in computed:
        if fields["assignee"] not in known:
            _refuse_if_sent(ready, element, fields["assignee"], sent or {})
            problems[ready.task_id] = _dropped(element, fields)
    return problems


def _is_expression(raw) -> bool:
    return raw is not None and expressions.dialect_of(str(raw)) in ("juel", "feel")


def _active_users(tenant_id: str, names: set[str]) -> set[str]:
    found = db.session.execute(
        select(User.username).where(User.tenant_id == tenant_id, User.username.in_(names), User.active)
    )
    return set(found.scalars())


def _refuse_if_sent(ready, element: dict, assignee: str, sent: dict) -> None:
    """A 400 when the request named the user: a variable the expression reads still holds what was
    sent, or one sent is that name or a list holding it (a multi-instance task's collection)."""
    expression = str(element["assignee"])
    read = [name for name in _NAME.findall(expression) if name in sent and ready.data.get(name) == sent[name]]
    read = read or [name for name, value in sent.items() if value == assignee or _holds(value, assignee)]
    if not read:
        return
    db.session.rollback()  # nothing of this step is kept, and no page drawn after sees half of it
    name = read[0]
    message = (
        f"variable '{name}' names '{assignee}', who is no active user of this tenant; task "
        f"'{ready.name or ready.element_id}' is assigned by {expression}. Name an existing user"
    )
    raise ValidationError(
        message,
        {"field": f"variables.{name}", "value": assignee, "element_id": ready.element_id},
    )


def _holds(value, name: str) -> bool:
    return isinstance(value, list) and name in value


def _dropped(element: dict, fields: dict) -> str:
    """Drop the ghost from the task's fields; the words of its incident."""
    ghost, fields["assignee"] = fields["assignee"], None
    offered = (
        "the task is offered to its candidates instead"
        if fields["candidate_users"] or fields["candidate_groups"]
        else "only admins and operators see the task until one of them delegates it"
    )
    said = f"assignee {element['assignee']} evaluated to '{ghost}', who is no active user of this tenant"
    return f"{said}; {offered}"
