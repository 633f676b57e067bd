"""SQLite (the embedded default): every transaction takes the database's write lock at BEGIN.

pysqlite begins a transaction only before an INSERT, UPDATE or DELETE, so a request's reads ran
outside any transaction: two requests completing one task, or appending to the audit chain, both
read the same row (the task still open, the same chain head), then wrote one after the other, and
the second failed with a 500 (a stale version, a duplicate audit seq). Here, as in SQLAlchemy's
pysqlite recipe, pysqlite's own BEGIN is switched off and each transaction starts with
BEGIN IMMEDIATE: one writer at a time, and a request that waited reads what the one before it
committed (a second completion is then the service's clean 409). Waiting is bounded by the busy
timeout. WAL makes commits cheaper and lets other processes (a backup, the sqlite3 shell) read
while one writes. PostgreSQL engines are not touched: its row locks serialise what needs it.

The price is that requests on SQLite run their transactions one at a time, which is what SQLite
does with writers anyway; the embedded default is for trying Baton and small teams.
"""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.engine import Engine

BUSY_TIMEOUT_MS = 30_000  # how long a transaction waits for the one holding the lock


def install(engine: Engine) -> None:
    if engine.dialect.name != "sqlite" or event.contains(engine, "begin", _begin_immediate):
        return
    event.listen(engine, "connect", _connected)
    event.listen(engine, "begin", _begin_immediate)


def _connected(dbapi_connection, _record) -> None:
    dbapi_connection.isolation_level = None  # pysqlite emits no BEGIN of its own; _begin_immediate does
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.close()


def _begin_immediate(connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")
