"""The namespaces and the small XPath readers every camunda:/zeebe:/spiffworkflow: extension
reader uses (`extensions`, `extension_tasks`, `extension_forms`)."""

from __future__ import annotations

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "camunda": "http://camunda.org/schema/1.0/bpmn",
    "zeebe": "http://camunda.org/schema/zeebe/1.0",
    "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core",
}
CAM = "{" + NS["camunda"] + "}"
BPMN = "{" + NS["bpmn"] + "}"


def csv(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def names(value: str | None) -> list[str] | str:
    """A comma list of names, or the expression that yields them (`${approverGroups}`, `=groups`)."""
    text = (value or "").strip()
    if "${" in text or "#{" in text or text.startswith("="):
        return text
    return csv(text)


def first(node, path: str):
    found = node.xpath(path, namespaces=NS)
    return found[0] if found else None


def text_at(node, path: str) -> str | None:
    found = first(node, path)
    return found.text.strip() if found is not None and found.text else None


def attr(element, name: str) -> str | None:
    return element.get(name) if element is not None else None
