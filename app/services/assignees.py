"""No task is assigned or offered to a ghost: an assignee expression (`camunda:assignee="${approver}"`)
that gives a name no active user of the tenant has would hold the task where nobody can ever see it;
a candidateUsers expression (`camunda:candidateUsers="${reviewers}"`) giving such names offers the
task to nobody by them.

Where the request that made the task named that user in its variables (a start, a completion, a
message, a retry), the request is refused: a 400 naming the variable and the value, nothing written.
Where the name came from elsewhere (a script, a decision, a service task's result), the task is made
without it: without the assignee, or without those candidate users, so it goes to whom remains (or,
with no one, to admins and operators, who hand it on), and the caller opens an incident naming the
task, the expression and the users.

Literal names (`camunda:assignee="boss"`, `camunda:candidateUsers="ann, bob"`) are the modeller's
choice, kept as written and not checked at deploy: the users may be created later. Only names an
expression gave are checked, with one query per step.
"""

from __future__ import annotations

import re

from sqlalchemy import select

from app.engine import expressions
from app.errors import ValidationError
from app.extensions import db
from app.models import User

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

# The task's people an expression may name: the field, the attribute a modeller wrote, and how the
# task's message says the expression picks them.
_PEOPLE = {
    "assignee": ("assignee", "is assigned by"),
    "candidate_users": ("candidateUsers", "is offered to the users"),
}


def ghost_problems(tenant_id: str, planned: list, sent: dict | None) -> dict:
    """{task id: the incident's words} for each planned task (ready, element, fields) whose assignee
    or candidateUsers expression named no active user; those names are dropped from `fields`. A 400
    when `sent` (the request's variables) named such a user."""
    computed = [(p, _computed_names(*p[1:])) for p in planned]
    computed = [(p, named) for p, named in computed if any(named.values())]
    if not computed:
        return {}
    known = _active_users(tenant_id, {n for _, named in computed for names in named.values() for n in names})
    problems = {}
    for (ready, element, fields), named in computed:
        ghosts = {key: [n for n in names if n not in known] for key, names in named.items()}
        ghosts = {key: names for key, names in ghosts.items() if names}
        if ghosts:
            problems[ready.task_id] = _dropped(ready, element, fields, ghosts, sent or {})
    return problems


def _computed_names(element: dict, fields: dict) -> dict[str, list[str]]:
    """The names each of the task's expressions gave (an attribute written as a literal gives none)."""
    named = {
        "assignee": [fields["assignee"]] if fields["assignee"] else [],
        "candidate_users": fields["candidate_users"],
    }
    return {key: names for key, names in named.items() if _is_expression(element.get(key))}


def _is_expression(raw) -> bool:
    return isinstance(raw, str) and expressions.dialect_of(raw) in ("juel", "feel")


def _active_users(tenant_id: str, names: set[str]) -> set[str]:
    found = db.session.execute(
        select(User.username).where(User.tenant_id == tenant_id, User.username.in_(names), User.active)
    )
    return set(found.scalars())


def _refuse_if_sent(ready, key: str, expression: str, ghosts: list[str], sent: dict) -> None:
    """A 400 when the request named one of the users: a variable the expression reads still holds
    what was sent, or one sent is that name or a list holding it (a multi-instance task's collection)."""
    read = [name for name in _NAME.findall(expression) if name in sent and ready.data.get(name) == sent[name]]
    read = read or [name for name, value in sent.items() if any(_names(value, g) for g in ghosts)]
    if not read:
        return
    db.session.rollback()  # nothing of this step is kept, and no page drawn after sees half of it
    name = read[0]
    ghost = next((g for g in ghosts if _names(sent[name], g)), ghosts[0])
    message = (
        f"variable '{name}' names '{ghost}', who is no active user of this tenant; task "
        f"'{ready.name or ready.element_id}' {_PEOPLE[key][1]} {expression}. Name an existing user"
    )
    raise ValidationError(
        message,
        {"field": f"variables.{name}", "value": ghost, "element_id": ready.element_id},
    )


def _names(value, name: str) -> bool:
    return value == name or (isinstance(value, list) and name in value)


def _dropped(ready, element: dict, fields: dict, ghosts: dict[str, list[str]], sent: dict) -> str:
    """Drop the ghosts from the task's fields (a 400 if the request named one); the incident's words."""
    for key, names in ghosts.items():
        _refuse_if_sent(ready, key, str(element[key]), names, sent)
    if "assignee" in ghosts:
        fields["assignee"] = None
    if "candidate_users" in ghosts:
        fields["candidate_users"] = [
            u for u in fields["candidate_users"] if u not in ghosts["candidate_users"]
        ]
    said = [_said(key, element[key], names) for key, names in ghosts.items()]
    return "; ".join([*said, _offered(fields)])


def _said(key: str, expression, ghosts: list[str]) -> str:
    who = "who is no active user" if len(ghosts) == 1 else "who are no active users"
    names = ", ".join(f"'{g}'" for g in ghosts)
    return f"{_PEOPLE[key][0]} {expression} evaluated to {names}, {who} of this tenant"


def _offered(fields: dict) -> str:
    if fields["assignee"]:
        return "the task stays with its assignee"
    if fields["candidate_users"] or fields["candidate_groups"]:
        return "the task is offered to its candidates instead"
    return "only admins and operators see the task until one of them delegates it"
