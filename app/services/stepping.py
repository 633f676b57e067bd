"""Writing one engine step to the database: the single place instance state changes are persisted.

Start, complete, message and timer all end here, inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import delete

from app.engine.reports import StepResult
from app.extensions import db
from app.models import HistoryEntry, InstanceState, MessageSubscription, ProcessInstance
from app.models.base import utcnow
from app.services import (
    fast_flush,
    pending_writes,
    task_incidents,
    user_task_rows,
)  # (fast_flush's listener writes the step's rows)
from app.services.prepared import new_row

_after_step_hooks: list = []


def after_step(hook):
    """Register `hook(instance, result)`; other capabilities (timers, notifications) react to steps.

    A hook that must move the instance on again (deliver it a message its step made it wait for)
    returns a callable: it runs once every hook has seen this step, so none sees a stale result.
    """
    _after_step_hooks.append(hook)
    return hook


def born_instance(result: StepResult, definition, definition_id, tenant_id: str, **fields) -> ProcessInstance:
    """A new instance row born with its first step's outcome, so it is inserted once, not updated.

    `definition` names the key and version (a Definition row or its cached facts); `fields` are the
    rest of the row (who started it, business key, parent). The caller adds it and persists the step.
    """
    return new_row(
        ProcessInstance,
        tenant_id=tenant_id,
        definition_id=definition_id,
        definition_key=definition.key,
        definition_version=definition.version,
        status=result.status,
        variables=result.variables,
        active_elements=result.active_elements,
        ended_at=utcnow() if result.status == "completed" else None,
        **fields,
    )


def persist_step(
    instance: ProcessInstance,
    result: StepResult,
    elements: Mapping,
    completed_task_id=None,
    actor: str | None = None,
    new: bool = False,
    sent: dict | None = None,
) -> None:
    """Apply a step's result to the instance's rows. The caller commits.

    `new` says the instance was created in this transaction: it has no rows to read or clear yet.
    `sent` are the variables the request brought: a new task's assignee they name who is no active
    user is a 400 (app/services/assignees.py), one named otherwise an incident.
    """
    open_ids = set() if new else user_task_rows.open_task_ids(instance)  # sees earlier steps' rows too
    step = (completed_task_id, actor, sent)
    with db.session.no_autoflush:  # one UPDATE of the instance at the end, not one per query in between
        follow_ups = _persist(instance, result, elements, open_ids, step, new)
    for follow_up in follow_ups:
        follow_up()


def _persist(instance, result: StepResult, elements: Mapping, open_ids, step: tuple, new) -> list:
    now = utcnow()
    if result.status == "completed" and instance.ended_at is None:
        instance.ended_at = now
    before, instance.status = instance.status, result.status
    instance.variables = result.variables
    instance.active_elements = result.active_elements
    _save_state(instance, result.state, new)
    user_task_rows.sync(instance, result, elements, open_ids, step, before, now)
    _sync_subscriptions(instance, result, new)
    if result.history:
        _add_history(instance, result.history)
    if result.error is not None:
        err = result.error
        task_incidents.open_incident(instance, err.task_id, err.element_id, err.kind, err.message)
    return [follow_up for hook in _after_step_hooks if (follow_up := hook(instance, result))]


def _add_history(instance: ProcessInstance, history: list) -> None:
    if fast_flush.writes_step_rows():
        pending_writes.defer_history([{"instance_id": instance.id, **vars(h)} for h in history])
    else:
        db.session.add_all(HistoryEntry(instance_id=instance.id, **vars(h)) for h in history)


def _save_state(instance: ProcessInstance, state: str | None, new: bool) -> None:
    row = None if new else _state_row(instance)
    if state is None:
        if row is not None:
            db.session.delete(row)  # flushed with the others of a batch, not one DELETE per instance
        return
    if row is None:
        db.session.add(new_row(InstanceState, instance_id=instance.id, state=state, size_bytes=len(state)))
    else:
        row.state, row.size_bytes = state, len(state)


def _state_row(instance: ProcessInstance) -> InstanceState | None:
    row = getattr(instance, "state_row", None)  # loaded by this step's load_runner: no query
    return row if row is not None else db.session.get(InstanceState, instance.id)


def _sync_subscriptions(instance, result: StepResult, new: bool) -> None:
    if result.had_message_waits:
        db.session.execute(delete(MessageSubscription).where(MessageSubscription.instance_id == instance.id))
    db.session.add_all(
        MessageSubscription(
            tenant_id=instance.tenant_id,
            instance_id=instance.id,
            message_name=m.message_name,
            kind=m.kind,
            correlation_key=m.correlation_key,
            business_key=instance.business_key,
            element_id=m.element_id,
        )
        for m in result.messages
    )
