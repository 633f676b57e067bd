"""Deploy-time warnings about forms: what the server will not check as the modeller expects.

A generated form field of a type Baton does not know is stored as sent; a constraint it does not
know (camunda:validation `validator`, a Java class) is not checked; a bound that is not a number
bounds nothing; a pattern the server's regex module cannot read (JavaScript-only syntax) is checked
in the browser only. Each is a warning naming the element and the field: the model still deploys.
"""

from __future__ import annotations

from app.engine import patterns

NS = {"camunda": "http://camunda.org/schema/1.0/bpmn"}
FIELD_TYPES = ("string", "long", "double", "boolean", "date", "enum")
CONSTRAINTS = ("required", "readonly", "minlength", "maxlength", "min", "max", "pattern")


def field_warnings(element_id: str, node) -> list[dict]:
    """Warnings for the camunda:formField elements of one task or start event."""
    out = []
    for field in node.xpath("./*/camunda:formData/camunda:formField", namespaces=NS):
        name = field.get("id")
        kind = field.get("type") or "string"
        if kind not in FIELD_TYPES:
            out.append(
                _warn(element_id, f"form field '{name}' has the type '{kind}', which Baton stores as sent")
            )
        for constraint in field.xpath("./camunda:validation/camunda:constraint", namespaces=NS):
            problem = _constraint_problem(constraint.get("name"), constraint.get("config"))
            if problem:
                out.append(_warn(element_id, f"form field '{name}': {problem}"))
    return out


def _constraint_problem(name: str | None, config: str | None) -> str | None:
    if name not in CONSTRAINTS:
        return f"the constraint '{name}' is not checked by Baton"
    if name in ("minlength", "maxlength", "min", "max") and not _is_number(config):
        return f"the constraint {name}='{config}' is not a number and bounds nothing"
    if name == "pattern":
        return _pattern_problem(config)
    return None


def schema_warnings(schema: dict, filename: str) -> list[dict]:
    """Warnings for a Camunda Form: patterns the server cannot read."""
    out = []
    for component in _components(schema.get("components", [])):
        problem = _pattern_problem((component.get("validate") or {}).get("pattern"))
        if problem:
            out.append(
                {"file": filename, "element_id": component.get("key"), "message": f"form field: {problem}"}
            )
    return out


def _components(components):
    for component in components if isinstance(components, list) else []:
        if isinstance(component, dict):
            yield component
            yield from _components(component.get("components"))


def _pattern_problem(pattern) -> str | None:
    if pattern in (None, ""):
        return None
    try:
        patterns.compiled(str(pattern))
    except patterns.error as exc:
        return f"the pattern {pattern} is not understood by the server ({exc}); only the browser checks it"
    return None


def _is_number(text) -> bool:
    try:
        float(text)
    except (TypeError, ValueError):
        return False
    return True


def _warn(element_id: str, message: str) -> dict:
    return {"element_id": element_id, "message": message}
