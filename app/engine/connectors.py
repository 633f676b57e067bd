"""Camunda 7 connectors (`<camunda:connector>`): read at deploy, their parameters evaluated per call.

A connector sits in a service, send or business rule task's extensionElements, or in the
messageEventDefinition of a message throw or end event. Its `camunda:connectorId` names the handler
that runs it (`http-connector` is Baton's own); its own `camunda:inputOutput` is not the task's:
the inputs are evaluated against the instance's variables and handed to the connector, and the
outputs are evaluated against what the connector returned (`response`, `statusCode`, `headers`),
falling back to the instance's variables as Camunda's connector scope does. The outputs are the
only variables a connector sets; without any it sets none.

Parameter values are the same trees as the task's mappings (app.engine.io_mapping): JUEL text,
camunda:list / camunda:map, null. A camunda:script parameter cannot be run, so it is refused at
deploy (`check`) rather than mapped to null as a task mapping's script is.
"""

from __future__ import annotations

from typing import Any

from app.engine import io_mapping
from app.engine.data import copy_value
from app.engine.errors import ModelError
from app.engine.expression_errors import ExpressionError
from app.engine.extension_xml import NS, first, text_at
from app.engine.juel import FUNCTIONS
from app.engine.juel_syntax import compile_text

_PLACES = (
    "./bpmn:extensionElements/camunda:connector",
    "./bpmn:messageEventDefinition/bpmn:extensionElements/camunda:connector",
)


def find(node):
    """The element's camunda:connector element, or None."""
    for path in _PLACES:
        found = first(node, path)
        if found is not None:
            return found
    return None


def read(node) -> dict | None:
    """{"id": connectorId, "inputs": [(name, value)], "outputs": [(name, value)]}, or None."""
    connector = find(node)
    if connector is None:
        return None
    return {
        "id": text_at(connector, "./camunda:connectorId") or "",
        "inputs": _params(connector, "inputParameter"),
        "outputs": _params(connector, "outputParameter"),
    }


def _params(connector, kind: str) -> list[tuple]:
    found = connector.xpath(f"./camunda:inputOutput/camunda:{kind}", namespaces=NS)
    return [(p.get("name"), io_mapping.value_tree(p)) for p in found]


def parameters(node) -> list[tuple[str, str, tuple]]:
    """(kind, name, value) of every connector parameter: "input" or "output" (deploy checks)."""
    connector = read(node)
    if connector is None:
        return []
    inputs = [("input", name, value) for name, value in connector["inputs"]]
    return inputs + [("output", name, value) for name, value in connector["outputs"]]


def check(node, filename: str) -> None:
    """Raise ModelError for the first connector parameter Baton cannot evaluate: a camunda:script
    (JavaScript, Groovy...), or an expression calling a function JUEL here does not have."""
    for kind, name, value in parameters(node):
        problem = _problem(value)
        if problem:
            raise ModelError(
                f"camunda:connector {kind} parameter '{name}' {problem}: write it as an expression "
                '(${...}; Spin\'s S(response).prop("x").stringValue() reads JSON)',
                filename=filename,
                line=node.sourceline,
                element_id=node.get("id"),
            )


def _problem(value) -> str | None:
    if _has_script(value):
        return "is a camunda:script, which Baton does not run"
    for text in io_mapping.expressions_in(value):
        unknown = sorted(_functions(text) - FUNCTIONS) if "${" in text or "#{" in text else []
        if unknown:
            return f"calls {unknown[0]}(), which Baton's expressions do not have"
    return None


def _functions(text: str) -> set[str]:
    try:  # (a syntax error is reported by validation)
        pieces = compile_text(text)
    except ExpressionError:
        return set()
    trees = [piece for is_expression, piece in pieces if is_expression]
    return {str(f.children[0]) for tree in trees for f in tree.iter_subtrees() if f.data == "function"}


def expressions(node) -> list[str]:
    """Every expression text of the element's connector parameters (checked at deploy)."""
    return [text for _, _, value in parameters(node) for text in io_mapping.expressions_in(value)]


def _has_script(value) -> bool:
    kind = value[0]
    if kind == "script":
        return True
    if kind == "list":
        return any(_has_script(v) for v in value[1])
    if kind == "map":
        return any(_has_script(v) for _, v in value[1])
    return False


def inputs(connector: dict, variables: dict) -> dict[str, Any]:
    """The connector's request: its input parameters evaluated against the instance's variables."""
    return _evaluate("input", connector["inputs"], variables)


def outputs(connector: dict, result: dict, variables: dict) -> dict[str, Any]:
    """The variables the connector sets: its outputs evaluated against its result, then the instance."""
    return _evaluate("output", connector["outputs"], {**variables, **result})


def _evaluate(kind: str, parameters: list, scope: dict) -> dict[str, Any]:
    values = {}
    for name, value in parameters:
        try:
            values[name] = copy_value(io_mapping.evaluate(value, scope))
        except ExpressionError as exc:  # fails the attempt, naming the parameter
            raise ValueError(f"connector {kind} parameter '{name}' failed: {exc}") from None
    return values
