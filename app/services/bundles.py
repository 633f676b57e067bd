"""Turn stored definitions into what the engine runs, parsed once per definition and cached.

Definitions are immutable once stored (a change is a new version), so caching by id is safe.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from uuid import UUID

from sqlalchemy import select

from app.engine.parser import build_parser, load_specs
from app.engine.runner import ProcessBundle
from app.engine.xmlsafe import parse_xml
from app.errors import NotFound
from app.extensions import db
from app.models import Definition, DeploymentResource
from app.services import catalog
from app.services.bindings import TenantBindings
from app.services.calendars import CalendarError, calendar_for

log = logging.getLogger(__name__)
_lock = threading.Lock()
_bundles: dict = {}


@dataclass(frozen=True)
class DefinitionFacts:
    """What never changes about a stored definition (its status can; this holds none of that)."""

    key: str
    name: str | None
    version: int
    meta: dict
    resource_id: object = None


_facts: dict = {}


def definition_facts(definition_id) -> DefinitionFacts | None:
    """Key, name, version and meta of a definition, read once per process and shared by every step hook.

    (The session's identity map is weak: hooks that each `get` the row would each query it again.)
    """
    facts = _facts.get(definition_id)
    if facts is None:
        row = db.session.get(Definition, definition_id)
        if row is None:
            return None
        facts = DefinitionFacts(row.key, row.name, row.version, row.meta or {}, row.resource_id)
        with _lock:
            _facts[definition_id] = facts
    return facts


def bundle_for_id(definition_id) -> ProcessBundle:
    """The bundle of a stored definition, without touching the database when it is cached."""
    cached = _bundles.get(definition_id)
    return cached if cached is not None else bundle_for(db.session.get_one(Definition, definition_id))


_spec_facts: dict = {}


def spec_fact(definition_id, probe) -> bool:
    """`probe(spec, subprocess_specs)` for a definition's parsed model, asked once per process: a
    stored definition never changes. (Its elements would not do: they list every process deployed
    alongside.)"""
    key = (definition_id, probe)
    found = _spec_facts.get(key)
    if found is None:
        bundle = bundle_for_id(definition_id)
        found = _spec_facts[key] = probe(bundle.spec, bundle.subprocess_specs)
    return found


def bundle_for(definition: Definition) -> ProcessBundle:
    """The runnable bundle of a BPMN definition (cached per definition id)."""
    cached = _bundles.get(definition.id)
    if cached is not None:
        return cached
    resources = (
        db.session.execute(
            select(DeploymentResource).where(
                DeploymentResource.id.in_([UUID(r) for r in definition.meta["resource_ids"]])
            )
        )
        .scalars()
        .all()
    )
    roots = {f"{r.id}/{r.filename}": parse_xml(r.content.encode(), r.filename) for r in resources}
    spec, subprocess_specs = load_specs(build_parser(roots), definition.key)
    for model in (spec, *subprocess_specs.values()):
        model.baton_definition = str(definition.id)  # whose `deployment` bindings its elements use
    bundle = ProcessBundle(
        spec,
        subprocess_specs,
        definition.meta.get("elements", {}),
        TenantBindings(definition.tenant_id),
        _clock(definition),
    )
    with _lock:
        _bundles[definition.id] = bundle
    return bundle


def _clock(definition: Definition):
    """The business calendar the definition's timers count in (`businessCalendar`), or None."""
    try:
        return calendar_for((definition.meta or {}).get("properties") or {})
    except CalendarError as exc:  # a misspelt calendar must not stop the instances: wall clock
        log.warning("definition %s: %s; timers count wall-clock time", definition.key, exc)
        return None


def find_decision(tenant_id: str, key: str) -> Definition:
    """The latest published version of decision `key` (from this process's catalog cache)."""
    found = catalog.latest_published_id(tenant_id, "dmn", key)
    definition = db.session.get(Definition, found) if found is not None else None
    if definition is None:
        raise NotFound(f"decision '{key}' is not deployed")
    return definition


_dmn_models: dict = {}


def dmn_model(resource_id):
    """The parsed DMN model of a stored file (files are immutable, so cached by id)."""
    model = _dmn_models.get(resource_id)
    if model is None:
        from app.engine.dmn import load_dmn

        resource = db.session.get(DeploymentResource, resource_id)
        model = load_dmn(resource.content.encode(), resource.filename)
        with _lock:
            _dmn_models[resource_id] = model
    return model
