"""Which stored Camunda Form a task or a start event shows: resolved at deploy, read at run time.

Camunda names a form four ways, and each binds differently:
- `camunda:formKey="camunda-forms:deployment:<file>"` and `camunda:formRef` with binding
  `deployment`: the form deployed with the process, found by file name or by the form's `id`;
- `camunda:formRef` / `zeebe:formDefinition formId` with binding `latest`: the newest published
  version of the form with that `id` at the time the form is shown;
- binding `version` (`camunda:formRefVersion`) or `versionTag` (Camunda 8): that one version;
- `zeebe:formDefinition formKey="camunda-forms:bpmn:<id>"`: the form kept inside the BPMN.

Every reference is resolved when the process is deployed: a form that is not there is a 400 naming
the element and the form, not a task page that says the form is missing. What is fixed at deploy is
pinned in the reference as the form definition's id (`form_id`), so a later deployment of a new
version of the form does not change the form of an instance already running; a `latest` reference
keeps the form's key (`key`) and is looked up when shown.
"""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import select

from app.engine.parser import ParsedDeployment, ParsedForm
from app.errors import ValidationError
from app.extensions import db
from app.models import Definition, DeploymentResource
from app.models.definitions import PUBLISHED

CAMUNDA_FORM = "camunda-form"
PIN = "form_id"


def pin_forms(tenant_id: str, parsed: ParsedDeployment, stored: list[tuple[ParsedForm, Definition]]) -> None:
    """Resolve every Camunda Form reference of the deployment's processes against `stored` (the forms
    of this deployment) and those deployed before; raises a ValidationError naming the element."""
    own_processes = {p.key for p in parsed.processes}
    for process in parsed.processes:
        for element_id, form in _references(process.meta):
            callee = process.meta.get("called_elements", {}).get(element_id)
            if callee and callee not in own_processes:
                form.update(_from_callee(tenant_id, callee, element_id, form))
                continue
            found = _resolve(tenant_id, form, stored)
            if isinstance(found, str):
                raise ValidationError(
                    f"{process.filename}: element '{element_id}' uses the form '{form['ref']}', which "
                    f"{found}",
                    {"file": process.filename, "element_id": element_id, "form": form["ref"]},
                )
            form.update(found)


def pins(meta: dict) -> list:
    """What a process's references were resolved to (comparing two versions of a process)."""
    return sorted(
        (element, form.get(PIN) or "", form.get("key") or "") for element, form in _references(meta)
    )


def _references(meta: dict):
    for element_id, element in meta.get("elements", {}).items():
        if (element.get("form") or {}).get("type") == CAMUNDA_FORM:
            yield element_id, element["form"]
    if (meta.get("start_form") or {}).get("type") == CAMUNDA_FORM:
        yield meta.get("start_event") or "start event", meta["start_form"]


def _resolve(tenant_id: str, form: dict, stored) -> dict | str:
    """The pin for `form`, or why there is none."""
    binding, ref = form.get("binding"), form.get("ref") or ""
    if binding == "embedded":
        mine = [d for f, d in stored if f.key == form.get("key")]
        return {PIN: str(mine[0].id)} if mine else "is not embedded in the process (zeebe:userTaskForm)"
    mine = [(f, d) for f, d in stored if f.process is None and ref in (f.key, f.file)]
    if binding == "deployment":
        return {PIN: str(mine[0][1].id)} if mine else "is not in this deployment; deploy it with the process"
    if binding == "latest":
        if mine:
            return {"key": mine[0][1].key}
        earlier = _latest(tenant_id, ref)
        return {"key": earlier.key} if earlier else "is neither in this deployment nor deployed before"
    if binding == "version":
        return _pinned_version(tenant_id, ref, form.get("version"), mine)
    if binding == "versionTag":
        return _pinned_tag(tenant_id, ref, form.get("version_tag"), mine)
    return f"has a binding Baton does not know: '{binding}' (deployment, latest, version, versionTag)"


def _pinned_version(tenant_id: str, ref: str, version, mine) -> dict | str:
    if not str(version or "").isdigit():
        return "is bound by version without a version number (camunda:formRefVersion)"
    for _, definition in mine:
        if definition.version == int(version):
            return {PIN: str(definition.id)}
    query = select(Definition).where(
        Definition.tenant_id == tenant_id,
        Definition.kind == "form",
        Definition.key == ref,
        Definition.version == int(version),
    )
    found = db.session.execute(query).scalar_one_or_none()
    return {PIN: str(found.id)} if found else f"has no version {version}"


def _pinned_tag(tenant_id: str, ref: str, tag, mine) -> dict | str:
    def tagged(definition) -> bool:
        return ((definition.meta or {}).get("schema") or {}).get("versionTag") == tag

    for _, definition in mine:
        if tagged(definition):
            return {PIN: str(definition.id)}
    query = select(Definition).where(
        Definition.tenant_id == tenant_id, Definition.kind == "form", Definition.key == ref
    )
    versions = db.session.execute(query.order_by(Definition.version.desc())).scalars()
    found = next((d for d in versions if tagged(d)), None)
    return {PIN: str(found.id)} if found else f"has no version tagged '{tag}'"


def _from_callee(tenant_id: str, callee: str, element_id: str, form: dict) -> dict:
    """A task of a process called from this one, deployed before: it keeps the form its own
    deployment resolved (its pin), else the latest form of that name."""
    from app.services.definitions import latest_definition

    definition = latest_definition(tenant_id, "bpmn", callee, statuses=(PUBLISHED,))
    theirs = (
        ((definition.meta or {}).get("elements", {}).get(element_id) or {}).get("form")
        if definition
        else None
    )
    if theirs and (theirs.get(PIN) or theirs.get("key")):
        return {k: theirs[k] for k in (PIN, "key") if k in theirs}
    earlier = _latest(tenant_id, form.get("ref") or "")
    return {"key": earlier.key} if earlier else {}


def _latest(tenant_id: str, ref: str) -> Definition | None:
    """The newest published form whose id, else whose file name, is `ref`."""
    from app.services.definitions import latest_definition

    found = latest_definition(tenant_id, "form", ref, statuses=(PUBLISHED,))
    if found is not None or not ref:
        return found
    query = (
        select(Definition)
        .join(DeploymentResource, DeploymentResource.id == Definition.resource_id)
        .where(
            Definition.tenant_id == tenant_id,
            Definition.kind == "form",
            Definition.status == PUBLISHED,
            DeploymentResource.filename == ref,
        )
        .order_by(Definition.created_at.desc())
        .limit(1)
    )
    return db.session.execute(query).scalar_one_or_none()


# --- run time ------------------------------------------------------------------------------------
_schemas: dict = {}  # (tenant, pinned form definition id) -> its schema: a stored form never changes


def form_schema(tenant_id: str, form: dict | None) -> dict | None:
    """The form-js schema a Camunda Form reference shows now, or None (not a Camunda Form)."""
    if not form or form.get("type") != CAMUNDA_FORM:
        return None
    pinned = form.get(PIN)
    if pinned:
        return _pinned_schema(tenant_id, pinned)
    # `latest`, and references stored before forms were resolved at deploy (by id or file name).
    definition = _latest(tenant_id, form.get("key") or form.get("ref") or "")
    return (definition.meta or {}).get("schema") if definition else None


def _pinned_schema(tenant_id: str, pinned: str) -> dict | None:
    schema = _schemas.get((tenant_id, pinned))
    if schema is None:
        definition = db.session.get(Definition, UUID(pinned))
        if definition is None or definition.tenant_id != tenant_id:
            return None
        schema = _schemas[(tenant_id, pinned)] = (definition.meta or {}).get("schema") or {}
    return schema
