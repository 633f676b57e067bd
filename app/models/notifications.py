"""In-app notifications, per-channel unsubscribes, and the escalation levels a task has reached.

Email and webhook deliveries are rows of the jobs outbox (kind "notification"): they share its
after-commit send, its sweep, its retry bookkeeping (status, attempts, last_error) and its lease.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model
from app.models.base import UtcDateTime, created_column, tenant_column, uuid_pk

INAPP, EMAIL, WEBHOOK = "inapp", "email", "webhook"
CHANNELS = (INAPP, EMAIL, WEBHOOK)
USER_CHANNELS = (INAPP, EMAIL)  # a webhook goes to a system, not a person: nobody unsubscribes from it


class Notification(Model):
    """One message in a user's bell menu."""

    __tablename__ = "notifications"
    # The bell's query: a user's latest, unread first. By task: closing a task marks its notes read.
    __table_args__ = (
        Index("ix_notifications_user", "user_id", "read_at", "created_at"),
        Index("ix_notifications_task", "task_id"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    tenant_id: Mapped[str] = tenant_column()
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    body: Mapped[str | None] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(1000))
    instance_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    task_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[datetime] = created_column()
    read_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class NotificationPreference(Model):
    """A user's unsubscribe from one channel (a row exists only for a channel they turned off)."""

    __tablename__ = "notification_preferences"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    channel: Mapped[str] = mapped_column(String(12), primary_key=True)
    created_at: Mapped[datetime] = created_column()


class Escalation(Model):
    """A level a task was escalated to; the unique key makes each level happen at most once."""

    __tablename__ = "escalations"
    __table_args__ = (UniqueConstraint("task_id", "level", name="uq_escalations_task_level"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    tenant_id: Mapped[str] = tenant_column()
    task_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("user_tasks.id", ondelete="CASCADE"), nullable=False
    )
    level: Mapped[int] = mapped_column(Integer, nullable=False)  # 1.., or 0 for the timeout action
    target: Mapped[str] = mapped_column(String(150), nullable=False)  # the group notified, or the action
    created_at: Mapped[datetime] = created_column()
