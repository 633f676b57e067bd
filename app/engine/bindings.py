"""Which version of a decision or process a business rule task or call activity uses (its binding).

Camunda 7: `camunda:decisionRefBinding` / `camunda:calledElementBinding` = `latest` (the default),
`deployment` (the one deployed with the calling model), `version` (with `...Version`, a number or
an expression giving one) or `versionTag` (with `...VersionTag`). Camunda 8: `bindingType` on
`zeebe:calledDecision` / `zeebe:calledElement` = `latest`, `deployment` or `versionTag` (with
`versionTag`). The binding is resolved when the element is reached, by the `bindings` object the
server gives the engine (app.services.bindings):

    bindings.decision(key, binding, data, origin) -> a DMN model
    bindings.process(key, binding, data, origin) -> the definition id of the process to call
    bindings.bundle(definition id) -> ProcessBundle   (a running call's process, when reloaded)

`origin` is the id of the definition whose model holds the element (`spec.baton_definition`),
which `deployment` binding needs. Either raises LookupError with a message for the incident.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

from app.engine import expressions
from app.engine.errors import ModelError
from app.engine.expression_errors import ExpressionError
from app.engine.io_mapping import CAM, NS

KINDS = ("latest", "deployment", "version", "versionTag")
_WHOLE = re.compile(r"[+-]?\d+")


@dataclass(frozen=True)
class Binding:
    kind: str = "latest"
    version: str | None = None  # binding `version`: a whole number, or an expression giving one
    version_tag: str | None = None

    def version_number(self, data: dict) -> int:
        """The version a `version` binding names, evaluated against the task's variables."""
        text = (self.version or "").strip()
        try:
            value = expressions.evaluate(text, data) if not _WHOLE.fullmatch(text) else text
            return int(str(value))
        except (ExpressionError, ValueError) as exc:
            raise LookupError(f"the version {text!r} does not give a whole number: {exc}") from exc

    def describe(self) -> str:
        if self.kind == "version":
            return f"version {self.version}"
        if self.kind == "versionTag":
            return f"version tag {self.version_tag!r}"
        return "the latest version" if self.kind == "latest" else "the version deployed with this model"


def is_key_expression(key: str | None) -> bool:
    """A decisionRef / calledElement that is an expression (Camunda 7 `${...}`, Zeebe `=...`)."""
    text = key or ""
    return text.strip().startswith("=") or "${" in text or "#{" in text


def resolve_key(key: str, data: dict, what: str) -> str:
    """The key a decision reference or called element names: as written, or what its expression
    gives against the element's variables when it is reached, as Camunda evaluates it."""
    if not is_key_expression(key):
        return key
    from app.engine import juel

    try:
        value = juel.evaluate(key, data) if juel.is_juel(key) else expressions.evaluate(key, data)
    except ExpressionError as exc:
        raise LookupError(f"the {what} key {key!r} failed: {exc}") from exc
    if not isinstance(value, str) or not value.strip():
        raise LookupError(f"the {what} key {key!r} gave {value!r}, not the key of a {what}")
    return value.strip()


def read(node, what: str) -> Binding:
    """The binding of a businessRuleTask (`what`="decision") or callActivity ("process");
    raises ValueError naming the attribute that is wrong."""
    prefix = "decisionRef" if what == "decision" else "calledElement"
    zeebe_tag = "calledDecision" if what == "decision" else "calledElement"
    zeebe = node.xpath(f"./bpmn:extensionElements/zeebe:{zeebe_tag}", namespaces=NS)
    if zeebe and zeebe[0].get("bindingType"):
        kind, attribute = zeebe[0].get("bindingType"), f"zeebe:{zeebe_tag} bindingType"
        binding = Binding(kind, version_tag=zeebe[0].get("versionTag"))
    else:
        kind, attribute = node.get(f"{CAM}{prefix}Binding") or "latest", f"camunda:{prefix}Binding"
        version, tag = node.get(f"{CAM}{prefix}Version"), node.get(f"{CAM}{prefix}VersionTag")
        binding = Binding(kind, version, tag)
    if kind not in KINDS:
        raise ValueError(f"{attribute} {kind!r} is none of {', '.join(KINDS)}")
    if kind == "version":
        _check_version(binding.version, f"camunda:{prefix}Version")
    if kind == "versionTag" and not (binding.version_tag or "").strip():
        raise ValueError(f"{attribute} 'versionTag' needs the version tag to bind to")
    return binding


def _check_version(text: str | None, attribute: str) -> None:
    text = (text or "").strip()
    if not text:
        raise ValueError(f"binding 'version' needs {attribute}")
    if not _WHOLE.fullmatch(text) and expressions.dialect_of(text) not in ("juel", "feel"):
        raise ValueError(f"{attribute} {text!r} is not a whole number nor an expression")


def check_references(process, filename: str, here: dict, deployed: dict) -> list[dict]:
    """Deploy-time: refuse a malformed binding, or a `deployment` binding to what this deployment
    lacks; warn about a decision or process that is deployed nowhere yet (Camunda accepts a caller
    deployed before what it calls: it is bound when reached, and fails there if still missing)."""
    warnings = []
    for node, what, key in _references(process):
        try:
            binding = read(node, what)
        except ValueError as exc:
            raise ModelError(str(exc), filename=filename, line=node.sourceline, element_id=node.get("id"))
        if not key or key in here[what] or is_key_expression(key):
            continue  # (an expression's key is known when the element is reached)
        if binding.kind == "deployment":
            raise ModelError(
                f"it binds the {what} '{key}' deployed with it, and this deployment has no {what} '{key}'",
                filename=filename,
                line=node.sourceline,
                element_id=node.get("id"),
            )
        if not deployed[what](key):
            element = etree.QName(node).localname
            warnings.append(
                {
                    "element_id": node.get("id"),
                    "message": f"the {what} '{key}' is not deployed yet: deploy it before an instance reaches"
                    f" this {element}, or that instance stops there with an incident",
                }
            )
    return warnings


def _references(process) -> list[tuple]:
    from app.engine.call_activity import called_element
    from app.engine.extension_tasks import read_decision

    found = [
        (node, "decision", read_decision(node).get("decision_ref"))
        for node in process.iter(f"{{{NS['bpmn']}}}businessRuleTask")
    ]
    return found + [
        (node, "process", called_element(node)) for node in process.iter(f"{{{NS['bpmn']}}}callActivity")
    ]
