"""Deployments, their files, and the versioned definitions they publish."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from app.extensions import Model
from app.models.base import created_column, tenant_column, uuid_pk

DRAFT, PUBLISHED, DEPRECATED = "draft", "published", "deprecated"
DEFINITION_STATUSES = (DRAFT, PUBLISHED, DEPRECATED)


class Deployment(Model):
    __tablename__ = "deployments"

    id: Mapped[uuid.UUID] = uuid_pk()
    tenant_id: Mapped[str] = tenant_column()
    name: Mapped[str | None] = mapped_column(String(200))
    created_by: Mapped[str | None] = mapped_column(String(150))
    created_at: Mapped[datetime] = created_column()

    resources: Mapped[list[DeploymentResource]] = relationship(back_populates="deployment")


class DeploymentResource(Model):
    """One uploaded file, kept verbatim (the diagram viewer draws it, the parser rebuilds specs from it)."""

    __tablename__ = "deployment_resources"

    id: Mapped[uuid.UUID] = uuid_pk()
    deployment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("deployments.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255), nullable=False)
    kind: Mapped[str] = mapped_column(String(10), nullable=False)
    checksum: Mapped[str] = mapped_column(String(64), nullable=False)
    content: Mapped[str] = deferred(mapped_column(Text, nullable=False))

    deployment: Mapped[Deployment] = relationship(back_populates="resources")


class Definition(Model):
    """A versioned BPMN process, DMN decision or form, keyed by its id in the model."""

    __tablename__ = "definitions"
    __table_args__ = (
        UniqueConstraint("tenant_id", "kind", "key", "version", name="uq_definitions_version"),
        Index("ix_definitions_lookup", "tenant_id", "kind", "key", "status"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    tenant_id: Mapped[str] = tenant_column()
    kind: Mapped[str] = mapped_column(String(10), nullable=False)
    key: Mapped[str] = mapped_column(String(255), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    name: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(12), nullable=False)
    checksum: Mapped[str] = mapped_column(String(64), nullable=False)
    deployment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("deployments.id"), index=True)
    resource_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("deployment_resources.id"))
    # What the engine derived at deploy time: element extensions, start messages, warnings...
    meta: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    # The serialized SpiffWorkflow spec bundle (BPMN only); loaded only when an instance runs.
    spec: Mapped[dict | None] = deferred(mapped_column(JSON))
    created_at: Mapped[datetime] = created_column()

    resource: Mapped[DeploymentResource] = relationship(lazy="select")


class CatalogVersion(Model):
    """A tenant's catalog version: a fresh random id each time a deploy or a status change may change
    which definition is the latest published for a key. Server processes cache what they resolve
    against it (app.services.catalog), and every start reads it with its definition."""

    __tablename__ = "catalog_versions"

    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
