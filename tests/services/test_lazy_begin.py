"""Reads outside a transaction, the first write opens it, and a commit of one statement goes alone."""

import psycopg
import pytest
from sqlalchemy import text

from app.extensions import db
from app.services import lazy_begin
from tests.conftest import COMMITS_DB_URL, DATA


@pytest.mark.parametrize(
    "sql",
    ["SELECT 1", "  select id from users where name = %(n)s", "SELECT count(*) FROM jobs WHERE info = 'for'"],
)
def test_a_plain_select_is_a_read(sql):
    assert lazy_begin.is_read(sql)


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT id FROM jobs FOR UPDATE SKIP LOCKED",
        "SELECT id FROM jobs FOR NO KEY UPDATE",
        "select id from jobs for share",
        "SELECT pg_advisory_xact_lock(1)",
        "SELECT nextval('s')",
        "SELECT set_config('a.b', '1', true)",
        "SELECT * INTO copy FROM jobs",
        "WITH w AS (INSERT INTO t VALUES (1)) SELECT 1",
        "UPDATE jobs SET status = 'done'",
        "SAVEPOINT sa_savepoint_1",
        "SET LOCAL lock_timeout = 1000",
    ],
)
def test_anything_else_opens_the_transaction(sql):
    assert not lazy_begin.is_read(sql)


def _driver(connection):
    return connection.connection.driver_connection


@pytest.mark.commits
def test_a_connection_reads_in_autocommit_until_its_first_write(committed_app):
    with committed_app.app_context(), db.engine.connect() as connection:
        driver = _driver(connection)
        connection.execute(text("SELECT 1"))
        assert driver.autocommit and driver.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
        connection.execute(text("SELECT 1 FROM users FOR UPDATE"))
        assert driver.info.transaction_status == psycopg.pq.TransactionStatus.INTRANS
        connection.rollback()


@pytest.mark.commits
def test_a_read_after_a_commit_runs_outside_a_transaction_again(committed_app):
    with committed_app.app_context(), db.engine.connect() as connection:
        driver = _driver(connection)
        connection.execute(text("SELECT 1 FROM users FOR UPDATE"))
        connection.commit()
        connection.execute(text("SELECT 1"))
        # (no transaction to end in a ROLLBACK, which would make psycopg forget its prepared statements)
        assert driver.autocommit and driver.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
        connection.rollback()


@pytest.mark.commits
def test_a_write_after_a_lone_statement_raises_until_its_commit_ends(committed_app):
    with committed_app.app_context(), db.engine.connect() as connection:
        driver = _driver(connection)
        connection.execute(text("SELECT 1"))
        lazy_begin.sent_alone(driver)
        with pytest.raises(RuntimeError, match="lone statement"):
            connection.execute(text("SELECT pg_advisory_xact_lock(1)"))
        connection.rollback()
        connection.execute(text("SELECT pg_advisory_xact_lock(1)"))  # a new transaction may write
        connection.rollback()


def _stored(instance_id: str) -> dict:
    with psycopg.connect(COMMITS_DB_URL.replace("postgresql+psycopg", "postgresql")) as conn:
        count = lambda sql: conn.execute(sql, [instance_id]).fetchone()[0]  # noqa: E731
        return {
            "instance": count("SELECT status FROM process_instances WHERE id = %s"),
            "open tasks": count("SELECT count(*) FROM user_tasks WHERE instance_id = %s AND status = 'open'"),
            "history": count("SELECT count(*) FROM history_entries WHERE instance_id = %s"),
            "audit": count("SELECT count(*) FROM audit_entries WHERE object_id = %s::text"),
        }


@pytest.mark.commits
def test_a_start_commits_its_rows_in_one_statement_alone(committed_admin, monkeypatch):
    alone = []
    monkeypatch.setattr(lazy_begin, "sent_alone", lambda driver: alone.append(driver))
    assert committed_admin.deploy(DATA / "simple" / "two_steps.bpmn").status_code == 201
    started = committed_admin.post("/process-definitions/two_steps/instances", json={})
    assert started.status_code == 201, started.json
    assert len(alone) == 1  # the start's write went alone: no BEGIN, no COMMIT
    stored = _stored(started.json["id"])
    assert stored["instance"] == "waiting" and stored["open tasks"] == 1
    assert stored["history"] >= 1 and stored["audit"] == 1
    task_id = started.json["tasks"][0]["id"]
    done = committed_admin.post(f"/tasks/{task_id}/complete", json={"variables": {}})
    assert done.status_code == 200, done.json
    assert len(alone) == 1  # a completion checks the instance's version after its write: a transaction


@pytest.mark.commits
def test_a_streamed_read_gets_the_transaction_its_server_side_cursor_needs(committed_app):
    with committed_app.app_context(), db.engine.connect() as connection:
        rows = connection.execution_options(stream_results=True).execute(text("SELECT 1 UNION SELECT 2"))
        assert sorted(r[0] for r in rows) == [1, 2]
        connection.rollback()


def test_the_commit_flush_is_the_last_before_commit_listener_once_every_module_is_imported(app):
    """What another before_commit listener writes must go before the commit's flush, or a lone
    statement would already be committed: every module that listens is imported by create_app."""
    import importlib
    import pkgutil

    from sqlalchemy.orm import Session

    import app as package
    from app.services import pending_writes

    entry_points = {"app.wsgi", "app.celery_worker"}  # (they build an app from the environment)
    for module in pkgutil.walk_packages(package.__path__, "app."):
        if module.name not in entry_points:
            importlib.import_module(module.name)
    assert list(Session().dispatch.before_commit)[-1] is pending_writes._before_commit
