"""Reads run outside a transaction; the first write opens it (PostgreSQL).

Baton runs PostgreSQL's READ COMMITTED, where every statement reads its own fresh snapshot whether
a transaction is open or not: a SELECT sent before a transaction's first write sees what it would
have seen inside it. What an open transaction costs is round trips. BEGIN is one of its own, so a
start paid BEGIN, its lookup, its write and COMMIT, and a page that only reads paid BEGIN and
ROLLBACK around its SELECTs. So a pooled connection is handed out in autocommit mode, as Django
runs by default, and leaves it just before the first statement that is not a plain SELECT (a write,
a row lock, a savepoint, an advisory lock, a sequence, a server-side cursor's DECLARE): psycopg
then sends BEGIN first, and from there on everything is one transaction as before.

A commit whose whole write is one statement, sent while no transaction is open (a start: its rows
go as one write set, see fast_flush), goes alone in autocommit: PostgreSQL runs a lone statement as
a transaction of its own, all of it or none, so nothing is less atomic, and BEGIN and COMMIT are
two round trips fewer. Whatever tried to write after it before that commit ends could not share its
transaction: that raises instead of committing apart (see `begin`).

Measured on B1 (start + complete over HTTP, 8 clients), 4 alternating runs each: 244.6/s against
227.9/s before (every connection in autocommit, the unsafe upper bound of what BEGIN and COMMIT
cost there, gave +10 %). The README's benchmark section has the runs.
"""

from __future__ import annotations

import re
import weakref
from functools import lru_cache

from psycopg import ServerCursor
from psycopg.pq import TransactionStatus
from sqlalchemy import event
from sqlalchemy.engine import Engine

_IDLE = TransactionStatus.IDLE

# What makes a SELECT more than a read: row locks, and functions that change state or take locks.
_NOT_READ = re.compile(
    r"\bFOR\s+(UPDATE|SHARE|NO\s+KEY\s+UPDATE|KEY\s+SHARE)\b|\bINTO\b"
    r"|\b(NEXTVAL|SETVAL|PG_ADVISORY_\w+|PG_TRY_ADVISORY_\w+|SET_CONFIG|PG_NOTIFY|TXID_CURRENT"
    r"|PG_CURRENT_XACT_ID|LO_\w+)\s*\("
)
# Connections whose commit already went alone (their write set ran in autocommit).
_SENT_ALONE: weakref.WeakSet = weakref.WeakSet()


def install(engine: Engine) -> None:
    """Hand the engine's connections out in autocommit; begin before the first write."""
    if engine.dialect.driver != "psycopg" or event.contains(engine, "checkout", _checked_out):
        return
    event.listen(engine, "checkout", _checked_out)
    event.listen(engine, "before_cursor_execute", _before_cursor_execute)
    event.listen(engine, "commit", _transaction_ended)
    event.listen(engine, "rollback", _transaction_ended)


@lru_cache(maxsize=2048)
def is_read(sql: str) -> bool:
    """A plain SELECT: no lock, no write, no side effect (anything else opens the transaction)."""
    text = sql.lstrip().upper()
    return text.startswith("SELECT") and _NOT_READ.search(text) is None


def begin_for(sql: str, driver) -> None:
    """Open the transaction before `sql` unless it only reads (psycopg's connection `driver`). A
    read after a commit goes outside a transaction again: one opened for it would end in a
    ROLLBACK, and psycopg forgets every prepared statement of the connection at a ROLLBACK."""
    if not is_read(sql):
        begin(driver)
    else:
        _autocommit_when_idle(driver)


def begin(driver) -> None:
    """Leave autocommit: psycopg sends BEGIN before the next statement."""
    if driver in _SENT_ALONE:
        raise RuntimeError("a write after the commit's lone statement would not share its transaction")
    if driver._autocommit:
        driver.autocommit = False


def can_go_alone(driver) -> bool:
    """Whether a commit's only write may be sent alone: no transaction is open on `driver`."""
    return driver._autocommit


def sent_alone(driver) -> None:
    """`driver`'s commit went as one statement in autocommit: nothing may write until it ends."""
    _SENT_ALONE.add(driver)


def _autocommit_when_idle(driver) -> None:
    """Back to autocommit when no transaction is open (setting it inside one would fail)."""
    if not driver._autocommit and driver.pgconn.transaction_status == _IDLE:
        driver.autocommit = True


def _checked_out(dbapi_connection, record, proxy) -> None:
    _autocommit_when_idle(dbapi_connection)


def _before_cursor_execute(conn, cursor, statement, parameters, context, executemany) -> None:
    if isinstance(cursor, ServerCursor):  # (a streamed read: DECLARE needs a transaction)
        begin(conn.connection.driver_connection)
        return
    begin_for(statement, conn.connection.driver_connection)


def _transaction_ended(conn) -> None:
    if _SENT_ALONE:
        _SENT_ALONE.discard(conn.connection.driver_connection)
