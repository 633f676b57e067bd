"""What the brief's processes need beside the engine: delegations, SLA clocks and events, work-order links."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, BigInteger, Boolean, Float, ForeignKey, Index, Integer, String, Text, Uuid, false
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model
from app.models.base import UtcDateTime, created_column, tenant_column, uuid_pk

OUT_OF_OFFICE, PERMANENT = "out_of_office", "permanent"
ON_TRACK, AT_RISK, BREACHED = "on_track", "at_risk", "breached"
WAITING_DEPS, OPEN_ORDER, CLOSED_ORDER = "waiting", "open", "closed"
# Its instance was cancelled, or it was withdrawn before it started (its master was cancelled, or an
# order it depends on was cancelled or withdrawn: withdrawn_reason says which). Never counts as done.
CANCELLED_ORDER = "cancelled"


class Delegation(Model):
    """The delegate sees and may work the delegator's tasks while the delegation is active."""

    __tablename__ = "delegations"
    __table_args__ = (Index("ix_delegations_delegate", "tenant_id", "delegate"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    tenant_id: Mapped[str] = tenant_column()
    delegator: Mapped[str] = mapped_column(String(150), nullable=False)
    delegate: Mapped[str] = mapped_column(String(150), nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    starts_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_by: Mapped[str] = mapped_column(String(150), nullable=False)
    created_at: Mapped[datetime] = created_column()
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class SlaClock(Model):
    """One instance's SLA clock; elapsed time is counted in business hours when a calendar is named."""

    __tablename__ = "sla_clocks"
    __table_args__ = (
        Index("ix_sla_clocks_key", "tenant_id", "definition_key"),
        Index("ix_sla_clocks_team", "tenant_id", "team"),
    )

    instance_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("process_instances.id", ondelete="CASCADE"), primary_key=True
    )
    tenant_id: Mapped[str] = tenant_column()
    definition_key: Mapped[str] = mapped_column(String(255), nullable=False)
    target_hours: Mapped[float] = mapped_column(Float, nullable=False)
    calendar: Mapped[str | None] = mapped_column(String(20))
    # The team the SLA is reported under: the process property slaTeam, else the first candidate
    # group the instance's work was offered to (kept once set, so a closed instance stays put).
    team: Mapped[str | None] = mapped_column(String(255))
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    paused_since: Mapped[datetime | None] = mapped_column(UtcDateTime)
    paused_hours: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    stopped_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    elapsed_hours: Mapped[float | None] = mapped_column(Float)
    state: Mapped[str] = mapped_column(String(12), nullable=False, default=ON_TRACK)


class SlaEvent(Model):
    """started, paused, resumed, warning (80 %), breached (100 %), met or missed: append-only."""

    __tablename__ = "sla_events"
    __table_args__ = (Index("ix_sla_events_instance", "instance_id", "id"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    tenant_id: Mapped[str] = tenant_column()
    instance_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("process_instances.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(12), nullable=False)
    at: Mapped[datetime] = created_column()
    elapsed_hours: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)


class WorkOrderLink(Model):
    """A linked order under a master instance; its instance starts when its dependencies are closed."""

    __tablename__ = "work_order_links"
    __table_args__ = (Index("ix_work_order_links_parent", "tenant_id", "parent_instance_id"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    tenant_id: Mapped[str] = tenant_column()
    parent_instance_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("process_instances.id", ondelete="CASCADE"), nullable=False
    )
    child_instance_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    definition_key: Mapped[str] = mapped_column(String(255), nullable=False)
    title: Mapped[str] = mapped_column(String(255), nullable=False)
    estimated_hours: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    variables: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    depends_on: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    status: Mapped[str] = mapped_column(String(12), nullable=False, default=WAITING_DEPS)
    # Its instance was suspended because its master was: resuming the master resumes it (and only
    # the orders so held, not one someone suspended on their own before).
    held_by_master: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=false()
    )
    withdrawn_reason: Mapped[str | None] = mapped_column(Text)  # why it was withdrawn before it started
    # Who linked it: its instance's starter when it starts, however much later (None: linked before
    # this was kept, and the instance takes whoever's step starts it, as it did then).
    linked_by: Mapped[str | None] = mapped_column(String(150))
    created_at: Mapped[datetime] = created_column()
