"""The bell and preferences: a user's notifications, marking them read, and the channels they hear on."""

from __future__ import annotations

from typing import cast

from sqlalchemy import select, update
from sqlalchemy.engine import CursorResult

from app.errors import NotFound
from app.extensions import db
from app.models import User
from app.models.base import utcnow
from app.models.notifications import USER_CHANNELS, Notification, NotificationPreference
from app.services.notification_recipients import unsubscribed


def list_notifications(user: User, unread: bool = False, limit: int = 20, offset: int = 0):
    """The user's notifications, newest first, and how many are unread."""
    query = select(Notification).where(Notification.user_id == user.id)
    if unread:
        query = query.where(Notification.read_at.is_(None))
    items = db.session.execute(query.order_by(Notification.created_at.desc()).limit(limit).offset(offset))
    return list(items.scalars()), unread_count(user)


def unread_count(user: User) -> int:
    query = select(db.func.count()).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    return db.session.execute(query).scalar_one()


def mark_read(user: User, notification_id) -> Notification:
    """Mark one of the user's notifications read (idempotent); another user's is a 404."""
    item = db.session.get(Notification, notification_id)
    if item is None or item.user_id != user.id:
        raise NotFound(f"notification {notification_id} does not exist")
    item.read_at = item.read_at or utcnow()
    db.session.commit()
    return item


def mark_all_read(user: User) -> int:
    """Mark every unread notification of the user read; returns how many."""
    updated = db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    done = cast(CursorResult, updated).rowcount  # an UPDATE's result is a CursorResult at run time
    db.session.commit()
    return done


def preferences(user: User) -> dict[str, bool]:
    off = {c for (_, c) in unsubscribed([user])}
    return {channel: channel not in off for channel in USER_CHANNELS}


def set_preferences(user: User, changes: dict[str, bool]) -> dict[str, bool]:
    """Subscribe to or unsubscribe from channels (inapp, email)."""
    current = preferences(user)
    for channel, enabled in changes.items():
        if enabled and not current[channel]:
            db.session.delete(db.session.get(NotificationPreference, (user.id, channel)))
        elif not enabled and current[channel]:
            db.session.add(NotificationPreference(user_id=user.id, channel=channel))
    db.session.commit()
    return preferences(user)
