"""The step rows written on psycopg's cursor (fast_flush, prepared) store what the ORM would, and
leave the session as a flush would; the pool pings a connection only after it sat idle."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import create_engine, inspect, select, text, update
from sqlalchemy.orm.exc import StaleDataError

from app import pool_health
from app.extensions import db
from app.models import HistoryEntry, InstanceState, ProcessInstance
from app.models.tasks import TaskCandidate, UserTask
from app.services import identity
from app.services.instances import start_instance
from tests.conftest import DATA, TEST_DB_URL


@pytest.fixture
def reviewer(admin, make_user):
    assert admin.deploy(DATA / "simple" / "two_steps.bpmn").status_code == 201
    make_user("rita", groups=("reviewers",))
    return identity.find_user("rita")


def test_a_start_stores_every_row_and_the_session_holds_them_clean(reviewer):
    instance, created = start_instance("two_steps", reviewer, {"amount": 5})
    assert created
    for obj in [instance, *db.session.scalars(select(UserTask).where(UserTask.instance_id == instance.id))]:
        state = inspect(obj)
        assert state.persistent and not state.modified
    db.session.expire_all()  # what the database holds, not the session
    stored = db.session.get(ProcessInstance, instance.id)
    assert (stored.status, stored.variables, stored.lock_version) == ("waiting", {"amount": 5}, 1)
    assert stored.created_at is not None and stored.started_by == "rita"
    [task] = db.session.scalars(select(UserTask).where(UserTask.instance_id == instance.id)).all()
    assert (task.element_id, task.priority, task.candidate_groups) == ("review", 70, ["reviewers"])
    assert [(c.kind, c.name) for c in task.candidates] == [("group", "reviewers")]
    assert db.session.get(InstanceState, instance.id).size_bytes > 0
    history = db.session.scalars(select(HistoryEntry).where(HistoryEntry.instance_id == instance.id))
    assert [h.element_id for h in history][:1] == ["start"]


def test_a_stepped_instance_someone_else_changed_fails_its_flush(reviewer):
    instance, _ = start_instance("two_steps", reviewer, {})
    table = ProcessInstance.__table__  # behind the session's back, as another process would
    db.session.execute(update(table).where(table.c.id == instance.id).values(lock_version=7))
    instance.status = "running"
    with pytest.raises(StaleDataError):
        db.session.flush()
    db.session.rollback()


def test_a_version_bump_is_what_the_next_write_checks(reviewer):
    instance, _ = start_instance("two_steps", reviewer, {})
    instance.variables = {"a": 1}
    db.session.flush()
    instance.variables = {"a": 2}
    db.session.flush()
    stored = select(ProcessInstance.lock_version).where(ProcessInstance.id == instance.id)
    assert db.session.scalar(stored) == instance.lock_version == 3
    instance.variables = {"a": 2}  # no net change: nothing written, no version spent
    db.session.flush()
    assert db.session.scalar(stored) == instance.lock_version == 3


def test_a_candidate_added_to_a_stored_task_gets_its_task_id(reviewer):
    instance, _ = start_instance("two_steps", reviewer, {})
    task = db.session.scalars(select(UserTask).where(UserTask.instance_id == instance.id)).one()
    task.candidates.append(TaskCandidate(kind="user", name="otto", tenant_id=task.tenant_id))
    db.session.flush()
    names = db.session.scalars(select(TaskCandidate.name).where(TaskCandidate.task_id == task.id)).all()
    assert sorted(names) == ["otto", "reviewers"]


def test_a_unique_violation_on_the_cursor_is_sqlalchemys_integrity_error(reviewer):
    from sqlalchemy.exc import IntegrityError

    start_instance("two_steps", reviewer, {}, idempotency_key="once")
    twin = ProcessInstance(
        tenant_id="default", definition_id=db.session.scalar(select(ProcessInstance.definition_id)),
        definition_key="two_steps", definition_version=1, status="waiting", idempotency_key="once",
    )  # fmt: skip
    db.session.add(twin)
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def _backend_pid(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(text("SELECT pg_backend_pid()")).scalar()


def test_a_pooled_connection_closed_while_idle_is_replaced(monkeypatch):
    pool_health.install()
    engine = create_engine(TEST_DB_URL, pool_size=1, max_overflow=0)
    try:
        first = _backend_pid(engine)
        with psycopg.connect(TEST_DB_URL.replace("+psycopg", ""), autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (first,))
        monkeypatch.setattr(pool_health, "IDLE_PING_SECONDS", 0.0)
        assert _backend_pid(engine) != first  # the ping failed: a fresh connection, no error
    finally:
        engine.dispose()


def test_a_busy_pooled_connection_is_not_pinged(monkeypatch):
    pool_health.install()
    engine = create_engine(TEST_DB_URL, pool_size=1, max_overflow=0)
    pings = []
    monkeypatch.setattr(pool_health, "_ping", pings.append)
    try:
        _backend_pid(engine)
        _backend_pid(engine)
        monkeypatch.setattr(pool_health, "IDLE_PING_SECONDS", 0.0)
        _backend_pid(engine)
        assert len(pings) == 1  # only the checkout after an "idle" spell
    finally:
        engine.dispose()


def _task_of(instance) -> UserTask:
    return db.session.scalars(select(UserTask).where(UserTask.instance_id == instance.id)).one()


def test_a_held_back_task_close_is_seen_by_the_next_read_and_dropped_by_a_rollback(reviewer):
    from app.models.base import utcnow
    from app.services import pending_writes

    instance, _ = start_instance("two_steps", reviewer, {})
    db.session.commit()
    task_id = _task_of(instance).id
    pending_writes.defer_close(instance.id, task_id, "cancelled", utcnow(), None)
    status = select(UserTask.status).where(UserTask.id == task_id)
    assert db.session.execute(status).scalar() == "cancelled"  # sent before the read
    assert db.session.scalars(select(TaskCandidate).where(TaskCandidate.task_id == task_id)).all() == []
    db.session.rollback()
    pending_writes.defer_close(instance.id, task_id, "cancelled", utcnow(), None)
    db.session.rollback()  # never sent: nothing left for the next transaction
    assert db.session.execute(status).scalar() == "open"


def test_held_back_history_waits_for_its_new_instance_and_is_seen_by_the_next_read(reviewer):
    """History rows are not ORM objects on PostgreSQL: held back, they must never reach the
    database ahead of their instance's row, and a read in the same transaction must see them."""
    import uuid

    from app.models.base import utcnow
    from app.services import pending_writes

    started, _ = start_instance("two_steps", reviewer, {})
    instance = ProcessInstance(
        id=uuid.uuid4(), definition_id=started.definition_id, definition_key="two_steps",
        definition_version=1, status="waiting", variables={}, active_elements=[],
    )  # fmt: skip
    db.session.add(instance)
    row = {"task_id": uuid.uuid4(), "element_id": "start", "element_type": "startEvent", "name": None,
           "state": "COMPLETED", "entered_at": utcnow(), "exited_at": None, "completed_by": None}  # fmt: skip
    pending_writes.defer_history([{"instance_id": instance.id, **row}])
    pending_writes.write(db.session())  # nothing goes: its instance is not stored yet
    history = select(HistoryEntry.element_id).where(HistoryEntry.instance_id == instance.id)
    assert db.session.execute(history).scalars().all() == ["start"]  # went with the instance's flush
    pending_writes.defer_history([{"instance_id": started.id, **row}])
    db.session.rollback()  # forgotten with the transaction
    rows = db.session.execute(select(HistoryEntry.element_id).where(HistoryEntry.instance_id == started.id))
    assert [r[0] for r in rows].count("start") == 1


def test_a_transaction_closed_without_a_rollback_takes_its_held_back_writes_along(reviewer):
    from app.models.base import utcnow
    from app.services import pending_writes

    instance, _ = start_instance("two_steps", reviewer, {})
    db.session.commit()
    task_id = _task_of(instance).id
    pending_writes.defer_close(instance.id, task_id, "cancelled", utcnow(), None)
    db.session.close()  # (no rollback event: the connection is just given back)
    db.session.commit()  # a later transaction of the same session must not send it
    assert db.session.execute(select(UserTask.status).where(UserTask.id == task_id)).scalar() == "open"
