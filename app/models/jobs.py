"""Background work: the outbox of service-task calls, waiting timers and timer start events.

A row is written in the same transaction as the step that created the work, so nothing is sent
to Celery that was not committed, and nothing committed is lost if the send fails: the sweep
re-claims any row whose lease ran out.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model
from app.models.base import UtcDateTime, created_column, tenant_column, uuid_pk

SERVICE, TIMER, START_TIMER = "service", "timer", "start_timer"
ESCALATION = "escalation"  # one level of a user task's escalation (services/escalations.py)
PENDING, QUEUED, RUNNING, DONE, FAILED, CANCELLED = (
    "pending",
    "queued",
    "running",
    "done",
    "failed",
    "cancelled",
)
LIVE = (PENDING, QUEUED, RUNNING)


class Job(Model):
    __tablename__ = "jobs"
    __table_args__ = (
        # The sweep's query: live rows by due time.
        Index("ix_jobs_due", "status", "due_at"),
        Index("ix_jobs_instance", "instance_id", "kind"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    tenant_id: Mapped[str] = tenant_column()
    kind: Mapped[str] = mapped_column(String(12), nullable=False)
    instance_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("process_instances.id", ondelete="CASCADE")
    )
    definition_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("definitions.id", ondelete="CASCADE"))
    task_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    element_id: Mapped[str | None] = mapped_column(String(255))
    handler: Mapped[str | None] = mapped_column(String(500))
    payload: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    status: Mapped[str] = mapped_column(String(12), nullable=False, default=PENDING)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime, nullable=False)
    # Claimed until: a row whose lease ran out is claimed again (its worker died or the send was lost).
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=3)
    retry_cycle: Mapped[str | None] = mapped_column(String(100))
    idempotency_key: Mapped[str | None] = mapped_column(String(255))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_column()
