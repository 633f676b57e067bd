"""User tasks materialised as rows, so the inbox never loads workflow state."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, Uuid, false
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model
from app.models.base import UtcDateTime, created_column, tenant_column

OPEN, COMPLETED, CANCELLED = "open", "completed", "cancelled"
# A task's candidate names: jsonb on PostgreSQL, so the inbox's `?|` test reads them as stored
# (a json column was parsed again for every row the list's index scan passed); JSON on SQLite.
NAME_LIST = JSON().with_variant(JSONB(), "postgresql")


class UserTask(Model):
    __tablename__ = "user_tasks"
    __table_args__ = (
        Index("ix_user_tasks_assignee", "tenant_id", "assignee", "status", "created_at"),
        Index("ix_user_tasks_instance", "instance_id", "status"),
        Index("ix_user_tasks_open_created", "tenant_id", "status", "created_at"),
    )

    # The SpiffWorkflow task id: stable for the life of the task, unique across instances.
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[str] = tenant_column()
    instance_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("process_instances.id", ondelete="CASCADE"))
    definition_key: Mapped[str] = mapped_column(String(255), nullable=False)
    element_id: Mapped[str] = mapped_column(String(255), nullable=False)
    name: Mapped[str | None] = mapped_column(String(255))
    documentation: Mapped[str | None] = mapped_column(Text)
    assignee: Mapped[str | None] = mapped_column(String(150))
    candidate_users: Mapped[list] = mapped_column(NAME_LIST, nullable=False, default=list)
    candidate_groups: Mapped[list] = mapped_column(NAME_LIST, nullable=False, default=list)
    # True when the model names no one (no assignee, candidates or lane): every user of the tenant
    # may see and take it, as in Camunda without authorizations. False when it names people, even
    # if they came to nobody: then only admins and operators see it, to hand it on (never everyone).
    offered_to_all: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=false()
    )
    priority: Mapped[int] = mapped_column(Integer, nullable=False, default=50)
    due: Mapped[datetime | None] = mapped_column(UtcDateTime)
    follow_up: Mapped[datetime | None] = mapped_column(UtcDateTime)
    form: Mapped[dict | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(12), nullable=False, default=OPEN)
    created_at: Mapped[datetime] = created_column()
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    completed_by: Mapped[str | None] = mapped_column(String(150))
    # The incident opened about the task when it was made (an assignee that failed or is no user):
    # closing the task resolves it, found without a query on the completion's path.
    incident_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)

    candidates: Mapped[list[TaskCandidate]] = relationship(cascade="all, delete-orphan", passive_deletes=True)

    @property
    def has_pool(self) -> bool:
        """Whether unclaiming gives the task back to someone: candidates, or everyone."""
        return bool(self.offered_to_all or self.candidate_users or self.candidate_groups)


# The inbox walks this index in its sort order (priority high first, oldest first, then the id that
# tells apart the tasks of one step) and stops after a page.
Index(
    "ix_user_tasks_inbox",
    UserTask.tenant_id,
    UserTask.status,
    UserTask.priority.desc(),
    UserTask.created_at,
    UserTask.id,
)


class TaskCandidate(Model):
    """One candidate user or group of an open task: the inbox's "my groups" query is an index lookup."""

    __tablename__ = "task_candidates"
    __table_args__ = (Index("ix_task_candidates_lookup", "tenant_id", "kind", "name", "task_id"),)

    task_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("user_tasks.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(5), primary_key=True)  # "user" | "group"
    name: Mapped[str] = mapped_column(String(150), primary_key=True)
    tenant_id: Mapped[str] = tenant_column()
