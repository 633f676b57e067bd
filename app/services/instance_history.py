"""An instance's history: what it passed, what it waits in and what failed, in the order it got there."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from app.engine.runner import Runner
from app.extensions import db
from app.models import HistoryEntry, InstanceState, ProcessInstance, User
from app.models.instances import ENDED
from app.models.tasks import OPEN, UserTask
from app.services.bundles import bundle_for_id, definition_facts
from app.services.instances import get_instance, read_instance


def read_history(
    user: User, instance_id, limit: int | None = None, offset: int = 0
) -> tuple[list[dict], int]:
    """A page of history() of an instance `user` may read (all of it without `limit`), and its total."""
    entries = history(user.tenant_id, read_instance(user, instance_id).id)
    end = None if limit is None else offset + limit
    return entries[offset:end], len(entries)


def history(tenant_id: str, instance_id) -> list[dict]:
    """What the instance passed and waits in, in the order it got there (entered time, then the
    order rows were written): a row is written when its element finishes, so a multi-instance
    approval or a call activity is written after work it started earlier; what is still active or
    failed is read from the state."""
    instance = get_instance(tenant_id, instance_id)
    rows = db.session.execute(
        select(HistoryEntry).where(HistoryEntry.instance_id == instance.id).order_by(HistoryEntry.id)
    ).scalars()
    entries = [_stored(row) for row in rows]
    open_tasks = db.session.execute(
        select(UserTask).where(UserTask.instance_id == instance.id, UserTask.status == OPEN)
    ).scalars()
    facts = definition_facts(instance.definition_id)
    elements = facts.meta.get("elements", {}) if facts is not None else {}
    entries += [
        _entry(
            t.element_id,
            t.name,
            elements.get(t.element_id, {}).get("type", "userTask"),
            "active",
            t.created_at,
            task_id=t.id,
        )
        for t in open_tasks
    ]
    entries += [
        _entry(r.element_id, r.name, r.element_type, r.state, r.entered_at) for r in _open_records(instance)
    ]
    entries.sort(key=_entered)  # a stable sort: entries entered at the same time keep the row order
    return [e for e in entries if not _never_fired(e)]


def _never_fired(entry: dict) -> bool:
    """A boundary event only armed while its activity ran: the engine ends it as cancelled when the
    activity ends. It was never passed (Camunda's history has no such event, as the active elements
    list no waiting boundary event)."""
    return entry["state"] == "cancelled" and entry["type"] == "boundaryEvent"


def _open_records(instance: ProcessInstance) -> list:
    """What the instance waits in besides user tasks, and what failed: read from its state, since a
    history row is written only when its element finishes."""
    if instance.status in ENDED:
        return []
    state = db.session.get(InstanceState, instance.id)
    if state is None:
        return []
    return Runner.load(bundle_for_id(instance.definition_id), state.state).open_records()


def _stored(r: HistoryEntry) -> dict:
    return _entry(
        r.element_id, r.name, r.element_type, r.state, r.entered_at, r.exited_at, r.completed_by, r.task_id
    )


def _entered(entry: dict) -> datetime:
    when = entry["entered_at"] or entry["exited_at"] or datetime.min
    return when if when.tzinfo else when.replace(tzinfo=UTC)  # SQLite hands back naive UTC times


def _entry(
    element_id, name, element_type, state, entered_at, exited_at=None, completed_by=None, task_id=None
) -> dict:
    return {
        "task_id": task_id,  # (the inbox pairs an approval with its decision by it; the API leaves it out)
        "element_id": element_id,
        "name": name,
        "type": element_type,
        "state": state,
        "entered_at": entered_at,
        "exited_at": exited_at,
        "completed_by": completed_by,
    }
