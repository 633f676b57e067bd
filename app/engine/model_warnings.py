"""Deploy-time warnings: what Baton does not run (JavaScript/Groovy scripts, camunda listeners and
camunda:script parameters), data stores, undefined functions and execution properties. The model
still deploys; each warning names its element."""

from __future__ import annotations

import re

from lxml import etree

from app.engine import element_expressions, form_checks, io_mapping, rest_connector
from app.engine.execution_facts import PROPERTIES
from app.engine.scripting import RUNNABLE_SCRIPTS
from app.engine.zeebe_conditions import for_camunda_8

NS = io_mapping.NS
BPMN = "{" + NS["bpmn"] + "}"


def of(node) -> list[dict]:
    """Every warning about one element."""
    found = _warnings(node) + _unknown_function_warnings(node) + _execution_property_warnings(node)
    return found + rest_connector.warnings(node)


def _warnings(node) -> list[dict]:
    element_id = node.get("id")
    out = []
    if node.tag == "{" + NS["bpmn"] + "}scriptTask":
        script_format = (node.get("scriptFormat") or "").lower()
        if script_format not in RUNNABLE_SCRIPTS:
            out.append(
                _warn(
                    element_id, f"{script_format} scripts are not run by Baton; this task fails when reached"
                )
            )
    if node.tag in (BPMN + "task", BPMN + "manualTask") and for_camunda_8(node):
        kind = "a manual task" if node.tag == BPMN + "manualTask" else "an undefined task"
        out.append(
            _warn(
                element_id,
                f"{kind} waits for a person to complete it in Baton (an inbox task); "
                "Camunda 8 passes through it. Draw a user task to say so, or remove it",
            )
        )
    if node.tag in ("{" + NS["bpmn"] + "}userTask", "{" + NS["bpmn"] + "}startEvent"):
        out.extend(form_checks.field_warnings(element_id, node))
    if node.tag == "{" + NS["bpmn"] + "}dataStoreReference":
        out.append(_warn(element_id, "data stores are drawn only: Baton does not read or write them"))
    for kind in ("taskListener", "executionListener"):
        for listener in node.xpath(f"./bpmn:extensionElements/camunda:{kind}", namespaces=NS):
            what = _listener_body(listener)
            event = listener.get("event") or "?"
            out.append(
                _warn(element_id, f"camunda:{kind} on '{event}' ({what}) is ignored: Baton does not run it")
            )
    for script in node.xpath("./bpmn:extensionElements/camunda:inputOutput/*/camunda:script", namespaces=NS):
        name = script.getparent().get("name")
        fmt = script.get("scriptFormat") or "script"
        out.append(
            _warn(element_id, f"camunda:script ({fmt}) for parameter '{name}' is not run; it maps to null")
        )
    return out


def _unknown_function_warnings(node) -> list[dict]:
    """A FEEL call to a function neither FEEL nor Camunda defines gives null when evaluated (a
    misspelt `=getOrElse(x, 0)` routes or maps silently): name it, the model still deploys."""
    from app.engine.feel.calls import unknown_functions

    return [
        _warn(
            node.get("id"),
            f"FEEL expression {text!r} calls {name}(), which neither FEEL nor Camunda defines: "
            "it gives null when evaluated",
        )
        for text in _feel_texts(node)
        for name in unknown_functions(text[1:])
    ]


_EXECUTION_PROPERTY = re.compile(r"\bexecution\s*\.\s*(\w+)\b(?!\s*\()")


def _execution_property_warnings(node) -> list[dict]:
    """Camunda 7's `execution` holds more than the variables; Baton's holds the variables and the
    instance's and the current activity's properties (execution_facts.PROPERTIES: processBusinessKey,
    currentActivityId...), so a read of another (eventName...) gives null (or a variable of that
    name): name it, the model still deploys."""
    found = [
        (text, name)
        for text, _ in element_expressions.of(node)
        if "${" in text or "#{" in text
        for name in _EXECUTION_PROPERTY.findall(text)
        if name not in PROPERTIES
    ]
    return [
        _warn(
            node.get("id"),
            f"JUEL expression {text!r} reads execution.{name}, which Baton does not provide: "
            "it gives null (or the process variable of that name)",
        )
        for text, name in dict.fromkeys(found)
    ]


def _feel_texts(node) -> list[str]:
    """Every `=FEEL` text of an element: its checked expressions, any zeebe: attribute (a job
    type, a called process id...; not headers and properties, which are plain text) and a FEEL
    script's body."""
    texts = [text for text, _ in element_expressions.of(node)]
    for extension in node.xpath("./bpmn:extensionElements//zeebe:*", namespaces=NS):
        if etree.QName(extension).localname not in ("header", "property"):
            texts += extension.attrib.values()
    if (node.get("scriptFormat") or "").lower() == "feel":
        texts += ["=" + (script.text or "") for script in node.xpath("./bpmn:script", namespaces=NS)]
    return list(dict.fromkeys(t.strip() for t in texts if t and t.strip().startswith("=")))


def _listener_body(listener) -> str:
    for attr in ("class", "expression", "delegateExpression"):
        if listener.get(attr):
            return f"{attr} {listener.get(attr)}"
    script = listener.xpath("./camunda:script", namespaces=NS)
    return f"{script[0].get('scriptFormat') or 'script'} script" if script else "no body"


def _warn(element_id: str, message: str) -> dict:
    return {"element_id": element_id, "message": message}
