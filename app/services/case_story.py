"""A case as the inbox pages tell it: how a task ended, what each person decided, which way the case
ended, and a task's instructions with the case's values in them.

Read-only queries over the rows steps wrote (tasks, history, the audit trail); never workflow state.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from app.engine.sandbox import SandboxError, render_template
from app.extensions import db
from app.models import AuditEntry, HistoryEntry, ProcessInstance, Signature, User, UserTask
from app.models.instances import CANCELLED as CASE_CANCELLED
from app.models.tasks import CANCELLED, COMPLETED
from app.services.bundles import definition_facts
from app.services.outcomes import outcome_label
from app.services.signatures import shown_name
from app.services.tasks import get_task

# Events that move a process on past a waiting task (a deadline, a message, a signal).
_EVENTS = ("boundaryEvent", "intermediateCatchEvent")


@dataclass
class TaskEnding:
    """How a task that is no longer open ended.

    kind: "completed"; "case_cancelled" (by whom, why); "decided" (someone completed `step` in the
    same moment: another share of the same step when `same_step`, as an approval chain's deciding
    vote); "moved_on" (the process went on without it, when `event` happened).
    """

    kind: str
    at: datetime | None
    by: str | None = None
    step: str | None = None
    same_step: bool = False
    reason: str | None = None
    event: str | None = None


def task_ending(task: UserTask) -> TaskEnding | None:
    """How `task` ended (None while it is open)."""
    if task.status == COMPLETED:
        return TaskEnding("completed", task.completed_at, task.completed_by)
    if task.status != CANCELLED:
        return None
    instance = db.session.get(ProcessInstance, task.instance_id)
    if instance is not None and instance.status == CASE_CANCELLED:
        cancel = _audit(instance.tenant_id, "instance", str(instance.id), "instance.cancel")
        by, reason = (cancel.actor, cancel.reason) if cancel is not None else (None, None)
        return TaskEnding("case_cancelled", task.completed_at, by, reason=reason)
    decider = _completed_with(task)
    if decider is not None:
        step = decider.name or decider.element_id
        same = decider.element_id == task.element_id
        return TaskEnding("decided", task.completed_at, decider.completed_by, step, same)
    return TaskEnding("moved_on", task.completed_at, event=_event_before(task))


def _completed_with(task: UserTask) -> UserTask | None:
    """The task whose completion closed `task`: completed in the same step (the same moment)."""
    query = select(UserTask).where(
        UserTask.instance_id == task.instance_id,
        UserTask.status == COMPLETED,
        UserTask.completed_at == task.completed_at,
        UserTask.id != task.id,
    )
    return db.session.execute(query.limit(1)).scalar_one_or_none()


def _event_before(task: UserTask) -> str | None:
    """The name of the event that fired while `task` waited, if the history has one."""
    if task.completed_at is None:
        return None
    query = (
        select(HistoryEntry.name, HistoryEntry.element_id)
        .where(
            HistoryEntry.instance_id == task.instance_id,
            HistoryEntry.element_type.in_(_EVENTS),
            HistoryEntry.exited_at >= task.created_at,
            HistoryEntry.exited_at <= task.completed_at + timedelta(seconds=5),
        )
        .order_by(HistoryEntry.exited_at.desc())
        .limit(1)
    )
    row = db.session.execute(query).first()
    return (row.name or row.element_id) if row is not None else None


def _audit(tenant_id: str, object_type: str, object_id: str, action: str) -> AuditEntry | None:
    query = select(AuditEntry).where(
        AuditEntry.tenant_id == tenant_id,
        AuditEntry.object_type == object_type,
        AuditEntry.object_id == object_id,
        AuditEntry.action == action,
    )
    return db.session.execute(query.order_by(AuditEntry.seq.desc()).limit(1)).scalar_one_or_none()


def task_now(user: User, task_id) -> UserTask:
    """The task as it is now, after an action on it was refused: the refused transaction is rolled
    back (it holds the task's lock) and the row read again, with what a rival wrote."""
    db.session.rollback()
    return get_task(user, task_id, fresh=True)


def decisions(tenant_id: str, entries: list[dict]) -> dict:
    """What each person decided, by task id, for the user tasks of a case's history `entries`:
    {"decision": "approve", "reason": "...", "signed": {...} | None} as the audit trail recorded the
    completion. A task's decision is its variable `decision` (a form field or a sign-off) or one ending
    in `_decision`; a signed one carries its signature as a reader is shown it (signed_by)."""
    ids = [str(e["task_id"]) for e in entries if e["type"] == "userTask" and e["completed_by"]]
    if not ids:
        return {}
    rows = db.session.execute(
        select(AuditEntry.object_id, AuditEntry.after, AuditEntry.reason).where(
            AuditEntry.tenant_id == tenant_id,
            AuditEntry.object_type == "task",
            AuditEntry.action == "task.complete",
            AuditEntry.object_id.in_(ids),
        )
    )
    found = {}
    for object_id, after, reason in rows:
        sent = (after or {}).get("variables") or {}
        decision = _decision(sent)
        if decision or reason:
            found[object_id] = {"decision": decision, "reason": reason or sent.get("reason"), "signed": None}
    for sig in signed_by(tenant_id, ids):
        said = found.setdefault(str(sig["task_id"]), {"decision": sig["decision"], "reason": None})
        said["signed"] = sig
    return found


def signed_by(tenant_id: str, task_ids: list[str]) -> list[dict]:
    """The signatures on these tasks as their manifestation shows them (21 CFR 11.50): the printed
    name, the date and time, and the meaning (the role signed as and the decision)."""
    rows = db.session.execute(
        select(Signature).where(
            Signature.tenant_id == tenant_id, Signature.task_id.in_([uuid.UUID(str(t)) for t in task_ids])
        )
    ).scalars()
    return [
        {"task_id": sig.task_id, "name": shown_name(sig), "role": sig.role, "decision": sig.decision,
         "at": datetime.fromisoformat(sig.signed_at)}
        for sig in rows
    ]  # fmt: skip


def _decision(variables: dict) -> str | None:
    for name, value in variables.items():
        if (name == "decision" or name.endswith("_decision")) and isinstance(value, str) and value:
            return value
    return None


def path_taken(entries: list[dict]) -> list[dict]:
    """The history entries the case passed through, for the diagram's done marks and visit counts:
    not what it is in now. (A boundary event only armed while its activity ran is in no history.)"""
    return [e for e in entries if e["state"] != "active"]


def element_names(instance: ProcessInstance) -> dict[str, str]:
    """Each element's name in the instance's model, by id (elements without a name are left out)."""
    facts = definition_facts(instance.definition_id)
    elements = facts.meta.get("elements", {}) if facts is not None else {}
    return {key: element["name"] for key, element in elements.items() if element.get("name")}


def case_outcome(instance: ProcessInstance, entries: list[dict]) -> str | None:
    """Which way an ended case ended, in words ("On hold", "Leave rejected"); None when its model
    names no outcome."""
    facts = definition_facts(instance.definition_id)
    elements = facts.meta.get("elements", {}) if facts is not None else {}
    ends = [e["element_id"] for e in entries if e["type"] == "endEvent"]
    return outcome_label(instance.outcome, ends, elements)


# Every ASCII punctuation character may be backslash-escaped in CommonMark.
_MARKDOWN = re.compile(r"([!-/:-@\[-`{-~])")


def instructions(task: UserTask, variables: dict) -> str | None:
    """A task's documentation (Markdown) with the case's values in its `{{ name }}` placeholders, as
    spiff-arena renders instructionsForEndUser. What each placeholder writes is shown as text, never
    as Markdown, whatever filter or slice it went through (a requester's input must not put a link
    into an approver's instructions); a template that fails is shown as written."""
    text = task.documentation
    if not text or ("{{" not in text and "{%" not in text):
        return text
    try:
        return render_template(text, variables, escape=escape_markdown)
    except SandboxError:
        return text


def escape_markdown(text: str) -> str:
    return _MARKDOWN.sub(r"\\\1", text)
