"""Writes held back to travel with the step's rows: task closes, audit entries, history (PostgreSQL).

None is an ORM object. A close is an UPDATE of a stored task; an audit entry moves its tenant's
chain head and inserts the entry; a history row is inserted and never read back in the transaction
that wrote it. Sent on their own they cost statements of their own, and as ORM objects the session's
bookkeeping (history rows were added, flushed and expunged: ~8 % of a request's CPU). So the
session holds them (session.info) and they go out as parts of the next write set (see fast_flush),
or on their own just before whatever comes first of the next statement, savepoint or commit:
nothing reads the database without seeing them. History waits while an instance is still to be
inserted (its rows need their instance first): the flush that inserts it takes them along.
A rollback forgets them; a savepoint's rollback forgets only what was held back inside it, because
a savepoint sends what came before it.
"""

from __future__ import annotations

from flask import has_app_context
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import HistoryEntry, ProcessInstance
from app.models.base import table_of
from app.models.jobs import CANCELLED as JOB_CANCELLED
from app.models.jobs import ESCALATION, PENDING, QUEUED
from app.models.tasks import TaskCandidate, UserTask
from app.services.prepared import prepared_hook
from app.services.write_sets import WriteSet

_CLOSES = "baton_pending_task_closes"
_PARTS = "baton_pending_parts"
_HISTORY = "baton_pending_history"
_DRIVER = "baton_pending_driver_connection"  # the connection whose transaction holds them
_COMMITTING = "baton_commit_flush"
_HISTORY_KEYS = [c.key for c in HistoryEntry.__table__.columns if c.key != "id"]
# A closed task's notifications ("New task: ...") are news no more: read, for everyone they went to.
_READ_NOTES = (
    "UPDATE notifications SET read_at = %({p}_now)s "
    "WHERE task_id = ANY(%({p}_ids)s::uuid[]) AND read_at IS NULL"
)
# ... and its escalations moot: cancelled now (see user_task_rows._CANCEL_ESCALATIONS), found by instance.
_CANCEL_ESCALATIONS = (
    f"UPDATE jobs SET status = '{JOB_CANCELLED}' "  # noqa: S608 (constants of the models)
    "WHERE instance_id = ANY(%({p}_instances)s::uuid[]) AND task_id = ANY(%({p}_ids)s::uuid[]) "
    f"AND kind = '{ESCALATION}' AND status IN ('{PENDING}', '{QUEUED}')"
)


def available() -> bool:
    """Whether writes are held back here (psycopg): elsewhere callers write at once."""
    return db.session.connection().dialect.driver == "psycopg"


def _held(key: str) -> list:
    """The session's list of `key`, in a transaction (so that its end forgets them)."""
    session = db.session()
    session.info[_DRIVER] = session.connection().connection.driver_connection
    return session.info.setdefault(key, [])


def defer_close(instance_id, task_id, status: str, now, actor: str | None) -> None:
    """Close a stored task, drop its candidate rows and cancel its escalations with the step's next
    write."""
    close = {"id": task_id, "instance_id": instance_id, "status": status, "completed_at": now}
    _held(_CLOSES).append({**close, "completed_by": actor})


def defer_parts(parts: list[tuple[str, dict]], key: str) -> None:
    """Send `parts` (see WriteSet.part) together, in order, with the step's next write. Two groups
    with the same `key` (the row they update) never share a statement: PostgreSQL refuses to
    update a row twice in one."""
    _held(_PARTS).append((key, parts))


def defer_history(rows: list[dict]) -> None:
    """Insert history rows (every column but the id) with the step's next write."""
    _held(_HISTORY).extend(rows)


def add_to(session: Session, writes: WriteSet, inserting_instances: bool = False) -> None:
    """Move what is held back into `writes`, as much as one statement can take, oldest first
    (`inserting_instances`: the statement also inserts the session's new instances)."""
    rows = session.info.pop(_HISTORY) if _history_ready(session, inserting_instances) else None
    if rows:
        writes.insert(table_of(HistoryEntry), _HISTORY_KEYS, rows)
    closes = session.info.pop(_CLOSES, None)
    if closes:
        ids = [c["id"] for c in closes]
        writes.update(table_of(UserTask), "id", ["status", "completed_at", "completed_by"], closes)
        writes.delete(table_of(TaskCandidate), "task_id", ids)
        writes.part(_READ_NOTES, {"ids": ids, "now": closes[0]["completed_at"]})
        instances = list({c["instance_id"] for c in closes})
        writes.part(_CANCEL_ESCALATIONS, {"instances": instances, "ids": ids})
    groups, keys = session.info.get(_PARTS), set()
    while groups and groups[0][0] not in keys:
        key, parts = groups.pop(0)
        keys.add(key)
        for template, values in parts:
            writes.part(template, values)


def write(session: Session, driver_connection=None) -> None:
    """Send what is held back now, in as few statements as it takes (history once its instances
    are stored)."""
    info = session.info
    while info.get(_CLOSES) or info.get(_PARTS) or _history_ready(session, False):
        writes = WriteSet()
        add_to(session, writes)
        writes.run(driver_connection)


def _history_ready(session: Session, inserting_instances: bool) -> bool:
    """History rows need their instances first: stored already, or inserted by the same statement."""
    if not session.info.get(_HISTORY):
        return False
    return inserting_instances or not any(type(o) is ProcessInstance for o in session.new)


def held(session: Session) -> bool:
    """Whether anything is still held back (after `add_to`: what the statement could not take)."""
    info = session.info
    return bool(info.get(_CLOSES) or info.get(_PARTS) or info.get(_HISTORY))


def committing(session: Session) -> bool:
    """Whether this flush is the commit's: the last writes before COMMIT (see `run_last`)."""
    return bool(session.info.get(_COMMITTING))


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    session.info[_COMMITTING] = True
    try:
        session.flush()  # (before the commit's own flush: what is held back rides with the step's rows)
    finally:
        session.info.pop(_COMMITTING, None)
    write(session)


def run_last() -> None:
    """Make the commit's flush the last before_commit listener, once every module registered its
    own: what other listeners write then goes before it, so a flush that finds no transaction open
    knows it is the commit's only write (lazy_begin)."""
    event.remove(Session, "before_commit", _before_commit)
    event.listen(Session, "before_commit", _before_commit)


@event.listens_for(Session, "do_orm_execute")
def _before_reading(orm_execute_state) -> None:
    write(orm_execute_state.session)


@prepared_hook
def _before_statement() -> None:
    write(db.session())


@event.listens_for(Engine, "savepoint")
def _before_savepoint(conn, name) -> None:
    # The session is opening this savepoint: its connection is busy, so use the driver's directly.
    # (A savepoint on some other connection is none of the session's business.)
    if has_app_context():
        session = db.session()
        if session.info.get(_DRIVER) is conn.connection.driver_connection:
            write(session, conn.connection.driver_connection)


@event.listens_for(Session, "after_soft_rollback")
def _forget(session: Session, previous_transaction) -> None:
    for key in (_CLOSES, _PARTS, _HISTORY, _DRIVER):
        session.info.pop(key, None)


@event.listens_for(Session, "after_transaction_end")
def _forget_at_end(session: Session, transaction) -> None:
    # A transaction closed without a rollback (Session.close) takes what it held back with it too.
    if transaction.parent is None:
        _forget(session, transaction)
