"""Hot-path statements compiled once and run on the database driver's own cursor.

Measured on the B1 request pair, a statement sent through the Session cost ~190 us of CPU, through
a Core Connection ~105 us, and on psycopg's cursor ~55 us; a start or a completion sent ten of
them. A `Prepared` statement is a Core statement compiled once; on PostgreSQL it runs on
psycopg's cursor of the session's connection (the same transaction), with SQLAlchemy's own bind
processors applied, so it stores exactly what SQLAlchemy would, and psycopg prepares it server-side.
Elsewhere (the embedded SQLite default) it runs through SQLAlchemy Core: same statement, same rows.

It never autoflushes: a caller reading rows the session may still hold pending flushes first.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import contextmanager
from functools import cache
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import instance_state, set_committed_value

from app.extensions import db
from app.services import lazy_begin

_before_statement: list = []


def prepared_hook(fn):
    """Register `fn()` to run before every prepared statement: writes held back for the next
    flush (fast_flush's task closes) go out first, so every statement sees them."""
    _before_statement.append(fn)
    return fn


class Prepared:
    """One Core statement; `execute`/`first`/`scalars` run it in the session's
    transaction. Parameters are a dict by bind name (`bindparam("x")` -> "x")."""

    def __init__(self, statement, column_keys: Sequence[str] | None = None):
        self.statement = statement
        self.column_keys = list(column_keys) if column_keys is not None else None
        self._pg: tuple[str, list, dict] | None = None  # (sql, processors, fixed values)

    # --- running ---------------------------------------------------------------------------------
    def execute(self, params: dict | None = None) -> int:
        """Run it; the number of rows it changed."""
        cursor = self._run(params or {})
        return cursor.rowcount

    def first(self, params: dict | None = None) -> Sequence[Any] | None:
        return self._run(params or {}).fetchone()

    def scalars(self, params: dict | None = None) -> list:
        return [row[0] for row in self._run(params or {}).fetchall()]

    def _run(self, params: dict):
        for hook in _before_statement:
            hook()
        connection = db.session.connection()
        if not _is_psycopg(connection):
            return connection.execute(self.statement, params)
        sql, processors, fixed = self._compiled(connection.dialect)
        driver = driver_connection(connection)
        lazy_begin.begin_for(sql, driver)
        cursor = driver.cursor()
        with translated_errors():
            cursor.execute(sql, _bind(params, processors, fixed), prepare=True)
        return cursor

    # --- compiling -------------------------------------------------------------------------------
    def _compiled(self, dialect) -> tuple[str, list, dict]:
        if self._pg is None:
            compiled = self.statement.compile(dialect=dialect, column_keys=self.column_keys)
            processors = []
            fixed = {}
            for name, bind in compiled.binds.items():
                processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
                if processor is not None:
                    processors.append((name, processor))
                if not bind.required and bind.callable is None:
                    fixed[name] = bind.value  # a literal written into the statement (status == 'open')
            self._pg = (compiled.string, processors, fixed)
        return self._pg


@contextmanager
def translated_errors():
    """psycopg's errors as SQLAlchemy raises them (IntegrityError, OperationalError, ...), so callers
    catch one kind whichever way a statement was sent."""
    import psycopg

    try:
        yield
    except psycopg.Error as exc:
        raise DBAPIError.instance(None, None, exc, psycopg.Error) from exc


def _is_psycopg(connection) -> bool:
    return connection.dialect.driver == "psycopg"


def _bind(params: dict, processors: list, fixed: dict) -> dict:
    values = {**fixed, **params} if fixed else dict(params)
    for name, processor in processors:
        value = values.get(name)
        if value is not None:
            values[name] = processor(value)
    return values


class Loader:
    """`SELECT` a model's columns by a where clause (built once), its rows handed to the session as
    the ORM would load them: the object it holds refreshed (as populate_existing does), or a new
    persistent one. For the rows every completion reads; it does not autoflush."""

    def __init__(self, model, where, lock: bool = False):
        columns = list(model.__table__.columns)
        statement = select(*columns).where(where)
        self.model = model
        self.keys = [c.key for c in columns]
        self.statement = Prepared(statement.with_for_update() if lock else statement)

    def first(self, params: dict):
        row = self.statement.first(params)
        return None if row is None else adopt(self.model, dict(zip(self.keys, row, strict=True)))


def adopt(model, values: dict):
    session = db.session()
    mapper = inspect(model)
    key = mapper.identity_key_from_primary_key([values[c.key] for c in mapper.primary_key])
    held = session.identity_map.get(key)
    if held is not None:
        for name, value in values.items():
            set_committed_value(held, name, value)
        return held
    obj = mapper.class_manager.new_instance()
    obj.__dict__.update(values)
    make_transient_to_detached(obj)  # loaded, unchanged, with its identity
    attach_loaded(session, obj)
    return obj


def new_row(model, **values):
    """`model(**values)` for a row a step inserts: its columns set as the constructor sets them,
    without an attribute event and its history for each (no listener acts on a new row's columns;
    the flush inserts what the object holds). Relationships are set after, as usual."""
    mapper, columns = _columns_of(model)
    if not columns.issuperset(values):
        raise TypeError(f"{sorted(set(values) - columns)} are not columns of {model.__name__}")
    obj = mapper.class_manager.new_instance()
    obj.__dict__.update(values)
    return obj


@cache
def _columns_of(model) -> tuple[Any, frozenset]:
    mapper = inspect(model)
    return mapper, frozenset(mapper.columns.keys())


def attach_loaded(session, obj) -> None:
    """`session.add` of a detached object holding only its columns, as a query would have loaded it.

    add() also walks every relationship of the mapper to cascade to loaded children: such an object
    has none, and the walk was ~40 % of the add (five a start + complete)."""
    state = instance_state(obj)
    if any(rel.key in state.dict for rel in state.mapper.relationships):
        session.add(obj)  # (children to cascade to)
        return
    state._orphaned_outside_of_session = False
    session._update_impl(state)


def driver_connection(connection: Connection) -> Any:
    """The DBAPI connection (psycopg's) under a SQLAlchemy one."""
    driver = connection.connection.driver_connection
    if driver is None:  # (only once the pool has invalidated it: never while the session uses it)
        raise RuntimeError("the database connection was invalidated")
    return driver
