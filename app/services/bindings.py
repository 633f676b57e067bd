"""Resolving a business rule task's decision and a call activity's process when they are reached.

The engine asks (app.engine.bindings); this answers from the tenant's definitions:
- `latest` (Camunda's default): the latest published version, from this process's catalog cache
  (app.services.catalog): no statement in the steady state;
- `deployment`: the one deployed with the calling model (its `deployed_with`, fixed at deploy);
- `version`: that version number (not a draft); `versionTag`: the latest published version tagged so.
Definitions never change once stored, so what a `deployment` or `version` binding found is cached
for good; a `versionTag` lookup is cached against the catalog version, as `latest` is.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select

from app.engine.bindings import Binding
from app.extensions import db
from app.models import Definition
from app.models.definitions import DRAFT, PUBLISHED
from app.services import catalog

KINDS = {"decision": "dmn", "process": "bpmn"}
_by_version: dict[tuple, object] = {}
_by_tag: dict[tuple, tuple[object, object]] = {}


class TenantBindings:
    """The `bindings` a tenant's bundles give the engine."""

    def __init__(self, tenant_id: str):
        self.tenant_id = tenant_id

    def decision(self, key: str, binding: Binding, data: dict, origin):
        from app.services.bundles import definition_facts, dmn_model

        definition_id = self._resolve("decision", key, binding, data, origin)
        facts = definition_facts(_uuid(definition_id))
        if facts is None:  # (resolved among the stored definitions, which are never deleted)
            raise LookupError(f"the decision '{key}' is not deployed ({binding.describe()} was asked for)")
        return dmn_model(facts.resource_id)

    def process(self, key: str, binding: Binding, data: dict, origin) -> str:
        return str(self._resolve("process", key, binding, data, origin))

    def bundle(self, definition_id):
        from app.services.bundles import bundle_for_id

        return bundle_for_id(_uuid(definition_id))

    def _resolve(self, what: str, key: str, binding: Binding, data: dict, origin):
        kind = KINDS[what]
        if binding.kind == "deployment":
            found = _deployed_with(origin, kind, key)
        elif binding.kind == "version":
            found = _version(self.tenant_id, kind, key, binding.version_number(data))
        elif binding.kind == "versionTag":
            found = _tagged(self.tenant_id, kind, key, binding.version_tag)
        else:
            found = catalog.latest_published_id(self.tenant_id, kind, key)
        if found is None:
            raise LookupError(f"the {what} '{key}' is not deployed ({binding.describe()} was asked for)")
        return found


def _uuid(value) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def _deployed_with(origin, kind: str, key: str):
    from app.services.bundles import definition_facts

    facts = definition_facts(_uuid(origin)) if origin is not None else None
    return ((facts.meta if facts else {}).get("deployed_with") or {}).get(f"{kind}:{key}")


def _version(tenant_id: str, kind: str, key: str, version: int):
    cache_key = (tenant_id, kind, key, version)
    if cache_key not in _by_version:
        found = db.session.execute(
            select(Definition.id).where(
                Definition.tenant_id == tenant_id,
                Definition.kind == kind,
                Definition.key == key,
                Definition.version == version,
                Definition.status != DRAFT,
            )
        ).scalar_one_or_none()
        if found is None:
            return None  # not cached: the version may be deployed later
        _by_version[cache_key] = found
    return _by_version[cache_key]


def _tagged(tenant_id: str, kind: str, key: str, tag: str | None):
    version = catalog.current_version(tenant_id)
    cached = _by_tag.get((tenant_id, kind, key, tag))
    if cached is not None and cached[0] == version:
        return cached[1]
    rows = db.session.execute(
        select(Definition.id, Definition.meta)
        .where(
            Definition.tenant_id == tenant_id,
            Definition.kind == kind,
            Definition.key == key,
            Definition.status == PUBLISHED,
        )
        .order_by(Definition.version.desc())
    ).all()
    found = next((row.id for row in rows if (row.meta or {}).get("version_tag") == tag), None)
    _by_tag[(tenant_id, kind, key, tag)] = (version, found)
    return found
