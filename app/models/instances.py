"""Process instances, their live engine state, and the append-only history."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model
from app.models.base import UtcDateTime, created_column, tenant_column, uuid_pk

RUNNING, WAITING, COMPLETED, FAILED, SUSPENDED, CANCELLED = (
    "running",
    "waiting",
    "completed",
    "failed",
    "suspended",
    "cancelled",
)
ENDED = (COMPLETED, CANCELLED)
INCIDENT_OPEN, INCIDENT_RESOLVED = "open", "resolved"  # an Incident's status


class ProcessInstance(Model):
    __tablename__ = "process_instances"
    __table_args__ = (
        Index("ix_instances_key_status", "tenant_id", "definition_key", "status"),
        Index("ix_instances_business_key", "tenant_id", "business_key"),
        Index("uq_instances_idempotency", "tenant_id", "idempotency_key", unique=True),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    tenant_id: Mapped[str] = tenant_column()
    definition_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("definitions.id"), index=True)
    definition_key: Mapped[str] = mapped_column(String(255), nullable=False)
    definition_version: Mapped[int] = mapped_column(Integer, nullable=False)
    business_key: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(12), nullable=False)
    outcome: Mapped[str | None] = mapped_column(String(50))
    variables: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    active_elements: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    idempotency_key: Mapped[str | None] = mapped_column(String(255))
    # SHA-256 of the keyed start's request (variables, business key, definition, user): a replay
    # with other variables is a 409. Only starts that send a key compute it.
    idempotency_digest: Mapped[str | None] = mapped_column(String(64))
    parent_instance_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    started_by: Mapped[str | None] = mapped_column(String(150))
    # Optimistic lock: every advance bumps it; a stale writer gets a 409.
    lock_version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    created_at: Mapped[datetime] = created_column()
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    __mapper_args__ = {"version_id_col": lock_version}

    if TYPE_CHECKING:  # not columns: what a step holds on the object (read with getattr(obj, name, None))
        state_row: InstanceState  # its locked state row (load_runner, step_locks), for the step's save
        open_tasks_known: list  # all its open UserTasks after the step: the response needs no query


class InstanceState(Model):
    """The live SpiffWorkflow state: only unfinished work; finished work moves to history_entries."""

    __tablename__ = "instance_states"

    instance_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("process_instances.id", ondelete="CASCADE"), primary_key=True
    )
    state: Mapped[str] = mapped_column(Text, nullable=False)
    size_bytes: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class HistoryEntry(Model):
    """One element an instance passed. Append-only: written once when the element finished."""

    __tablename__ = "history_entries"
    __table_args__ = (Index("ix_history_instance", "instance_id", "id"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    instance_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("process_instances.id", ondelete="CASCADE"))
    task_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    element_id: Mapped[str] = mapped_column(String(255), nullable=False)
    element_type: Mapped[str] = mapped_column(String(60), nullable=False)
    name: Mapped[str | None] = mapped_column(String(255))
    state: Mapped[str] = mapped_column(String(12), nullable=False)
    entered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    exited_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    completed_by: Mapped[str | None] = mapped_column(String(150))


class Incident(Model):
    """Something failed and needs a person: the instance waits until it is retried or resolved."""

    __tablename__ = "incidents"

    id: Mapped[uuid.UUID] = uuid_pk()
    tenant_id: Mapped[str] = tenant_column()
    instance_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("process_instances.id", ondelete="CASCADE"), index=True
    )
    task_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    element_id: Mapped[str | None] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(40), nullable=False, default="script")
    message: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(String(12), nullable=False, default="open")
    created_at: Mapped[datetime] = created_column()
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    resolved_by: Mapped[str | None] = mapped_column(String(150))
    resolution: Mapped[str | None] = mapped_column(Text)  # why it was resolved, when not by hand


class MessageSubscription(Model):
    """An instance waiting for a named message or signal; found by an index, never by loading instances."""

    __tablename__ = "message_subscriptions"
    __table_args__ = (
        Index("ix_msgsub_business_key", "tenant_id", "message_name", "business_key"),
        Index("ix_msgsub_correlation", "tenant_id", "message_name", "correlation_key"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    tenant_id: Mapped[str] = tenant_column()
    instance_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("process_instances.id", ondelete="CASCADE"), index=True
    )
    message_name: Mapped[str] = mapped_column(String(255), nullable=False)  # or the signal's name
    kind: Mapped[str] = mapped_column(String(16), nullable=False, server_default="message")  # or signal
    business_key: Mapped[str | None] = mapped_column(String(255))
    correlation_key: Mapped[str | None] = mapped_column(String(500))
    element_id: Mapped[str] = mapped_column(String(255), nullable=False)
    created_at: Mapped[datetime] = created_column()
