"""How an element's form is read into one shape: a Camunda Form reference (camunda:formRef,
camunda-forms: form keys, zeebe:formDefinition), the fields of a Camunda 7 generated form
(camunda:formData), an external key Baton only passes on, and the Camunda 8 forms kept inside
a process (zeebe:userTaskForm)."""

from __future__ import annotations

from app.engine.extension_xml import CAM, NS


def read_form(node, zeebe_form) -> dict | None:
    """The element's form as one shape: a Camunda Form reference (`ref` and how it binds), the
    fields of a generated form, or an external key Baton only passes on."""
    if node.get(CAM + "formRef"):
        return _camunda_form(
            node.get(CAM + "formRef"),
            node.get(CAM + "formRefBinding") or "latest",
            version=node.get(CAM + "formRefVersion"),
        )
    if zeebe_form is not None:
        return _zeebe_form(zeebe_form)
    fields = [
        _form_field(f)
        for f in node.xpath("./bpmn:extensionElements/camunda:formData/camunda:formField", namespaces=NS)
    ]
    if fields:
        return {"type": "generated", "fields": fields}
    if node.get(CAM + "formKey"):
        return _form_key(node.get(CAM + "formKey"))
    return None


def _form_key(key: str) -> dict:
    if key.startswith("camunda-forms:deployment:"):
        return _camunda_form(_file_name(key), "deployment")
    if key.startswith("camunda-forms:app:"):
        # A form inside the Java web app in Camunda 7: here, a form file deployed before or with it.
        return _camunda_form(_file_name(key), "latest")
    return {"type": "external", "key": key}


def _file_name(form_key: str) -> str:
    return form_key.split(":", 2)[-1].rsplit("/", 1)[-1]


def _camunda_form(ref: str, binding: str, version: str | None = None, version_tag: str | None = None):
    form = {"type": "camunda-form", "ref": ref, "binding": binding}
    if binding == "version" and version:
        form["version"] = version
    if binding == "versionTag" and version_tag:
        form["version_tag"] = version_tag
    return form


def _zeebe_form(zeebe_form) -> dict | None:
    """Camunda 8: a linked form (formId, bound by bindingType), a form embedded in the BPMN
    (formKey camunda-forms:bpmn:<id>), or a custom key for an own application."""
    if zeebe_form.get("formId"):
        binding = zeebe_form.get("bindingType") or "latest"
        return _camunda_form(zeebe_form.get("formId"), binding, version_tag=zeebe_form.get("versionTag"))
    key = zeebe_form.get("formKey")
    if not key:
        return None
    if key.startswith("camunda-forms:bpmn:"):
        return _camunda_form(key.split(":", 2)[-1], "embedded")
    return {"type": "external", "key": key}


def embedded_forms(process) -> list[tuple[str, int, str]]:
    """The Camunda 8 forms kept inside a process (zeebe:userTaskForm): (id, line, JSON text)."""
    return [
        (form.get("id") or "", form.sourceline, form.text or "")
        for form in process.xpath("./bpmn:extensionElements/zeebe:userTaskForm", namespaces=NS)
    ]


def _form_field(field) -> dict:
    out = {
        "id": field.get("id"),
        "label": field.get("label") or field.get("id"),
        "type": field.get("type") or "string",
        "default": field.get("defaultValue"),
    }
    values = field.xpath("./camunda:value", namespaces=NS)
    if values:
        out["values"] = [{"id": v.get("id"), "name": v.get("name") or v.get("id")} for v in values]
    constraints = field.xpath("./camunda:validation/camunda:constraint", namespaces=NS)
    if constraints:
        # A constraint without config (required, readonly) is a flag: true, so a client testing
        # `validation.required` for truth reads it right.
        out["validation"] = {
            c.get("name"): True if c.get("config") is None else c.get("config") for c in constraints
        }
    return out
