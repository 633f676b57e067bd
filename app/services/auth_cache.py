"""Who a bearer token is, remembered per process for a few seconds.

Every API request authenticates: without a cache that is three queries (token with its user, the
user's groups, the delegations they act under) before the request does any work, about a fifth of
the statements of a start + complete. Entries live `BATON_AUTH_CACHE_SECONDS` (default 2; 0 turns
the cache off). A change to users, groups, memberships, tokens or delegations clears this process's
cache when it is flushed and again when it commits, so it takes effect at once in the process that
made it; other processes see it when their entry expires, at most that many seconds later.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import instance_state

from app.extensions import db
from app.models import ApiToken, Delegation, Group, GroupMembership, User
from app.services.prepared import attach_loaded

_WATCHED = (User, Group, GroupMembership, ApiToken, Delegation)
_USER = inspect(User)
_COLUMNS = [c.key for c in _USER.column_attrs]


@dataclass(frozen=True)
class Entry:
    columns: dict
    identity: tuple  # the user's identity key in a session
    acting_for: tuple[frozenset, frozenset]
    token_expires_at: datetime | None
    fresh_until: float  # time.monotonic()
    read_at: datetime  # utcnow(): a clock moved forward (tests freeze it) ages the entry too
    seconds: float


_entries: dict[str, Entry] = {}


def lookup(token_hash: str, now: datetime) -> Entry | None:
    entry = _entries.get(token_hash)
    if entry is None or entry.fresh_until <= time.monotonic():
        return None
    if not 0 <= (now - entry.read_at).total_seconds() < entry.seconds:
        return None
    if entry.token_expires_at is not None and entry.token_expires_at <= now:
        return None
    return entry


def remember(token_hash: str, user: User, acting_for, token_expires_at, now, seconds: float) -> None:
    if seconds <= 0:
        return
    names, groups = acting_for
    _entries[token_hash] = Entry(
        columns={key: getattr(user, key) for key in _COLUMNS},
        identity=_USER.identity_key_from_instance(user),
        acting_for=(frozenset(names), frozenset(groups)),
        token_expires_at=token_expires_at,
        fresh_until=time.monotonic() + seconds,
        read_at=now,
        seconds=seconds,
    )


def attach(entry: Entry) -> User:
    """The cached user as a persistent object of this session, without a query."""
    session = db.session()
    user = session.identity_map.get(entry.identity)
    if user is None:
        # What a query would have loaded: the columns as committed values, no change history.
        # Half the cost of building a transient User and merging it (~60 us, every request).
        user = _USER.class_manager.new_instance()
        state = instance_state(user)
        state.dict.update(entry.columns)
        state.key = entry.identity
        attach_loaded(session, user)
    return user


def clear() -> None:
    _entries.clear()


@event.listens_for(Session, "after_flush")
def _note_changes(session, _context) -> None:
    changed = (*session.new, *session.dirty, *session.deleted)
    if any(isinstance(obj, _WATCHED) for obj in changed):
        session.info["baton_auth_changed"] = True
        clear()


@event.listens_for(Session, "do_orm_execute")
def _note_bulk_changes(state) -> None:
    mapper = state.bind_mapper
    if (state.is_update or state.is_delete) and mapper is not None and mapper.class_ in _WATCHED:
        state.session.info["baton_auth_changed"] = True
        clear()


@event.listens_for(Session, "after_commit")
def _clear_after_commit(session) -> None:
    if session.info.pop("baton_auth_changed", False):
        clear()
