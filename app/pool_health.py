"""Checking a pooled PostgreSQL connection before use, only when it sat idle.

`pool_pre_ping` sends a `SELECT 1` on every checkout: under load a round trip and ~6 % of a
request's CPU, for connections that came back to the pool milliseconds earlier. Here a connection
psycopg already knows is closed or broken is replaced at once, one that sat idle longer than
`IDLE_PING_SECONDS` (a server restart or an idle timeout may have closed it meanwhile) is pinged as
pre_ping would, and a busy one is used as it is. A ping that fails makes SQLAlchemy's pool throw
the connection away and hand out a fresh one, as with pre_ping.
"""

from __future__ import annotations

import time

from sqlalchemy import event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.pool import Pool

IDLE_PING_SECONDS = 5.0
_IDLE_SINCE = "baton_idle_since"


def install() -> None:
    if not event.contains(Pool, "checkout", _checking_out):
        event.listen(Pool, "checkin", _checked_in)
        event.listen(Pool, "checkout", _checking_out)


def _checked_in(dbapi_connection, record) -> None:
    if record is not None:
        record.info[_IDLE_SINCE] = time.monotonic()


def _checking_out(dbapi_connection, record, proxy) -> None:
    if not hasattr(dbapi_connection, "broken"):
        return  # not psycopg (SQLite): nothing to go stale
    if dbapi_connection.closed or dbapi_connection.broken:
        raise DisconnectionError("the pooled connection is closed")
    since = record.info.get(_IDLE_SINCE)
    if since is not None and time.monotonic() - since > IDLE_PING_SECONDS:
        _ping(dbapi_connection)


def _ping(dbapi_connection) -> None:
    import psycopg

    try:
        dbapi_connection.execute("SELECT 1")
        dbapi_connection.rollback()
    except psycopg.Error as exc:
        raise DisconnectionError(f"the pooled connection failed its ping: {exc}") from exc
