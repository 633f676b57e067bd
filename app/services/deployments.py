"""Deploying BPMN, DMN and form files as new definition versions (app.services.definitions finds them,
lists them and changes their status)."""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import NamedTuple

from flask import current_app

from app.engine.errors import ModelError
from app.engine.parser import ParsedDeployment, ParsedForm, file_kind, parse_deployment
from app.engine.xmlsafe import UnsafeXmlError, xml_text
from app.errors import ValidationError
from app.extensions import db
from app.models import Definition, Deployment, DeploymentResource, User
from app.models.definitions import DRAFT, PUBLISHED
from app.services import audit, catalog, form_refs
from app.services.definitions import latest_definition
from app.services.property_checks import check_properties, handler_warnings
from app.services.start_timers import schedule_start_timers


def _checksum(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Deployed(NamedTuple):
    deployment: Deployment
    definitions: list[Definition]
    warnings: list[dict]
    new: bool  # False: every file was already the latest version; nothing was stored


def deploy(
    files: list[tuple[str, bytes]], actor: User, *, name: str | None = None, publish: bool = True
) -> Deployed:
    """Validate and store one deployment; all or nothing.

    A file identical to the latest version of its definitions makes no new version; with `publish`
    that version is published again if it was a draft or deprecated (never the reverse). When no
    file is new, no deployment is stored: the result names the earlier one holding those versions.
    """
    files = [(_base_name(name), data) for name, data in files]
    _check_files(files)
    parsed = _parsed(files, actor.tenant_id)
    unchanged = _unchanged(parsed, files, actor.tenant_id)
    if unchanged is not None:
        return _redeployed(unchanged, parsed, actor, publish)
    return _deployed(files, parsed, actor, name, publish)


def _parsed(files: list[tuple[str, bytes]], tenant_id: str) -> ParsedDeployment:
    max_bytes = current_app.config["BATON"].MAX_UPLOAD_BYTES
    process_file, decision_deployed = _process_file(tenant_id), _decision_deployed(tenant_id)
    try:
        parsed = parse_deployment(dict(files), process_file, max_bytes, decision_deployed)
    except ModelError as exc:
        raise ValidationError(str(exc), exc.as_details())
    check_properties(parsed.processes)
    parsed.warnings.extend(handler_warnings(parsed.processes))
    return parsed


def _redeployed(unchanged: list[Definition], parsed: ParsedDeployment, actor: User, publish) -> Deployed:
    """No file is new: the latest versions stand (published again with `publish`), nothing is stored."""
    definitions = [_republished(d, actor) if publish else d for d in unchanged]
    schedule_start_timers(definitions)
    version = catalog.bump(actor.tenant_id)  # (a republished version is the latest again)
    db.session.commit()
    catalog.note(actor.tenant_id, version)
    newest = max(definitions, key=lambda d: d.created_at)
    deployment = db.session.get_one(Deployment, newest.deployment_id)
    return Deployed(deployment, definitions, parsed.warnings, False)


def _deployed(files, parsed: ParsedDeployment, actor: User, name: str | None, publish: bool) -> Deployed:
    deployment = Deployment(tenant_id=actor.tenant_id, name=name, created_by=actor.username)
    db.session.add(deployment)
    resources = {filename: _resource(deployment, filename, data) for filename, data in files}
    definitions = _store_definitions(parsed, deployment, resources, publish, actor)
    schedule_start_timers(definitions)  # timer start events of what was just published
    versions = [f"{d.kind}:{d.key}:v{d.version}" for d in definitions]
    after = {"files": sorted(resources), "definitions": versions}
    audit.record(actor, "deploy", deployment, after=after)
    version = catalog.bump(actor.tenant_id)
    db.session.commit()
    catalog.note(actor.tenant_id, version)  # this process resolves `latest` afresh at once
    return Deployed(deployment, definitions, parsed.warnings, True)


def _base_name(name: str) -> str:
    """The file's own name: a client's path (`../../etc/evil.bpmn`, `C:\\models\\a.bpmn`) is dropped,
    so a stored name never reads as a path; control characters are refused outright."""
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        raise ValidationError(f"the file name {name!r} holds control characters", {"field": "files"})
    base = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    if not base:
        raise ValidationError(f"the file name {name!r} names no file", {"field": "files"})
    return base


def _items(parsed: ParsedDeployment):
    for kind, items in (("bpmn", parsed.processes), ("dmn", parsed.decisions), ("form", parsed.forms)):
        for item in items:
            yield kind, item


def _unchanged(parsed: ParsedDeployment, files, tenant_id: str) -> list[Definition] | None:
    """The latest versions, if every file holds only definitions whose latest version it is."""
    checksums = {filename: _checksum(data) for filename, data in files}
    latest, covered = [], set()
    for kind, item in _items(parsed):
        found = latest_definition(tenant_id, kind, item.key)
        if found is None or found.checksum != checksums[item.filename]:
            return None
        latest.append(found)
        covered.add(item.filename)
    return latest if latest and covered == set(checksums) else None


def _republished(definition: Definition, actor: User) -> Definition:
    if definition.status != PUBLISHED:
        before, definition.status = definition.status, PUBLISHED
        audit.record(
            actor,
            f"definition.{PUBLISHED}",
            definition,
            before={"status": before},
            after={"status": PUBLISHED},
            reason="redeployed",
        )
    return definition


def _check_files(files: list[tuple[str, bytes]]) -> None:
    if not files:
        raise ValidationError("a deployment needs at least one file in the 'files' field", {"field": "files"})
    names = [name for name, _ in files]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise ValidationError(
            f"two files in one deployment have the same name: {', '.join(map(repr, twice))}",
            {"field": "files", "file": twice[0]},
        )
    for name, _ in files:
        try:
            file_kind(name)
        except ModelError as exc:
            raise ValidationError(str(exc), exc.as_details())


def _process_file(tenant_id: str):
    """The file of the latest published version of a process a new model calls, if any."""

    def resolve(key: str):
        definition = latest_definition(tenant_id, "bpmn", key, statuses=(PUBLISHED,))
        if definition is None:
            return None
        resource = definition.resource
        return f"{resource.id}/{resource.filename}", resource.content.encode()

    return resolve


def _decision_deployed(tenant_id: str):
    return lambda key: latest_definition(tenant_id, "dmn", key, statuses=(PUBLISHED,)) is not None


def _resource(deployment: Deployment, filename: str, data: bytes) -> DeploymentResource:
    kind = file_kind(filename)
    try:
        # XML in any encoding its declaration names is kept as UTF-8 text (the parse checked it).
        text = xml_text(data, filename) if kind != "form" else data.decode("utf-8")
    except (UnicodeDecodeError, UnsafeXmlError):
        raise ValidationError(
            f"{filename}: the file is not text in the encoding it declares", {"file": filename}
        )
    resource = DeploymentResource(
        deployment=deployment,
        filename=filename,
        kind=kind,
        checksum=_checksum(data),
        content=text,
    )
    db.session.add(resource)
    return resource


def _store_definitions(parsed: ParsedDeployment, deployment, resources, publish, actor) -> list[Definition]:
    """Forms first: the processes' references to them are resolved (pinned) before the processes
    are stored, so a process is a new version when the form it shows is."""
    db.session.flush()
    forms = [
        (form, _store_form(form, deployment, resources, publish, actor)) for form in _unique_forms(parsed)
    ]
    db.session.flush()  # (the forms' ids are what the processes pin)
    form_refs.pin_forms(deployment.tenant_id, parsed, forms)
    stored = []
    for process in parsed.processes:
        meta = dict(process.meta)
        meta["resource_ids"] = [str(r.id) for r in resources.values() if r.kind == "bpmn"]
        meta.pop("files", None)
        resource = resources[process.filename]
        stored.append(_version(deployment, "bpmn", process.key, process.name, resource, meta, publish, actor))
    for decision in parsed.decisions:
        resource, meta = resources[decision.filename], dict(getattr(decision, "meta", {}) or {})
        stored.append(
            _version(deployment, "dmn", decision.key, decision.name, resource, meta, publish, actor)
        )
    stored += [definition for _, definition in forms]
    # What a `deployment` binding of each new process resolves to (an unchanged file keeps its
    # earlier version, which belongs to an earlier deployment: deployment ids would not find it).
    deployed_with = {f"{d.kind}:{d.key}": str(d.id) for d in stored}
    for definition in stored:
        if definition.kind == "bpmn" and definition.deployment_id == deployment.id:
            definition.meta = {**definition.meta, "deployed_with": deployed_with}
    return stored


def _unique_forms(parsed: ParsedDeployment) -> list[ParsedForm]:
    seen: dict[str, str] = {}
    for form in parsed.forms:
        if form.key in seen:
            raise ValidationError(
                f"{form.filename}: the form id '{form.key}' is also the id of {seen[form.key]}; "
                "a deployment holds one form per id",
                {"file": form.filename, "form": form.key},
            )
        seen[form.key] = form.filename
    return parsed.forms


def _store_form(form: ParsedForm, deployment, resources, publish, actor) -> Definition:
    resource = resources[form.filename]
    # A form inside a BPMN file is versioned by its own JSON, not by the whole file.
    checksum = _checksum(json.dumps(form.schema, sort_keys=True).encode()) if form.process else None
    meta = {"schema": form.schema}
    return _version(deployment, "form", form.key, form.key, resource, meta, publish, actor, checksum)


def _version(deployment, kind, key, name, resource, meta, publish, actor, checksum=None) -> Definition:
    checksum = checksum or resource.checksum
    latest = latest_definition(deployment.tenant_id, kind, key)
    if latest is not None and latest.checksum == checksum and _same_forms(latest.meta, meta):
        return _republished(latest, actor) if publish else latest  # identical: no new version
    definition = Definition(
        id=uuid.uuid4(),  # now: the processes deployed with it name it (deployed_with)
        tenant_id=deployment.tenant_id,
        kind=kind,
        key=key,
        name=name,
        checksum=checksum,
        version=(latest.version + 1) if latest else 1,
        status=PUBLISHED if publish else DRAFT,
        deployment_id=deployment.id,
        resource_id=resource.id,
        meta=meta,
    )
    db.session.add(definition)
    return definition


def _same_forms(old: dict | None, new: dict) -> bool:
    """Whether an unchanged process file still shows the same forms (a form deployed with it may
    have changed: then, as in Camunda, the process is deployed again as a new version)."""
    return form_refs.pins(old or {}) == form_refs.pins(new)
