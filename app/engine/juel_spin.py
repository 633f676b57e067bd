"""Camunda Spin's JSON reading, as JUEL output mappings use it: `S(response).prop("rate").numberValue()`.

`S(text)` (or `JSON(text)`) parses a JSON document (a dict or list is taken as it is) into a
`SpinJson` node, read only through the methods below (Spin's names: prop, hasProp, elements,
stringValue, numberValue, boolValue, value, isNull ...). As in Spin, reading a missing property or
a value of the wrong type is an error naming it, not a silent null. A node that ends an expression
is stored as its plain JSON value.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from app.engine.expression_errors import ExpressionError

MAX_TEXT = 1024 * 1024  # the HTTP connector reads no more than this; a variable holds no more either


class SpinError(ExpressionError):
    """S() could not parse its argument, or a node was read as what it is not."""


class SpinJson:
    """One node of a parsed JSON document."""

    __slots__ = ("value",)

    def __init__(self, value: Any):
        self.value = value

    def __str__(self) -> str:
        return json.dumps(self.value, separators=(",", ":"))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SpinJson) and other.value == self.value

    __hash__ = None  # type: ignore[assignment]


def parse(source: Any, text: str) -> SpinJson:
    """`S(x)`: a JSON text parsed, or a dict/list (a stored JSON variable) taken as it is."""
    if isinstance(source, SpinJson):
        return source
    if isinstance(source, dict | list):
        return SpinJson(source)
    if not isinstance(source, str):
        raise SpinError(f"S() needs JSON text, got a {type(source).__name__}", text)
    if len(source) > MAX_TEXT:
        raise SpinError(f"S() reads at most {MAX_TEXT} characters", text)
    try:
        return SpinJson(json.loads(source))
    except ValueError as exc:
        raise SpinError(f"S() could not parse the JSON: {exc}", text)


def plain(value: Any) -> Any:
    """A node's JSON value (also inside a list of nodes, from elements()); anything else as it is."""
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value.value if isinstance(value, SpinJson) else value


def _prop(node: SpinJson, name: Any) -> SpinJson:
    if not isinstance(node.value, dict):
        raise ValueError(f"prop({name!r}) needs an object, this node is {_kind(node.value)}")
    if name not in node.value:
        raise ValueError(f"the JSON has no property {name!r}")
    return SpinJson(node.value[name])


def _typed(kind: str, check: Callable[[Any], bool]) -> Callable[[SpinJson], Any]:
    def read(node: SpinJson) -> Any:
        if not check(node.value):
            raise ValueError(f"expected {kind}, the node is {_kind(node.value)}")
        return node.value

    return read


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "an array" if isinstance(value, list) else "an object"


def _elements(node: SpinJson) -> list:
    if not isinstance(node.value, list):
        raise ValueError(f"elements() needs an array, the node is {_kind(node.value)}")
    return [SpinJson(v) for v in node.value]


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


SPIN_METHODS: dict[str, Callable[..., Any]] = {
    "prop": _prop,
    "hasProp": lambda n, name: isinstance(n.value, dict) and name in n.value,
    "elements": _elements,
    "stringValue": _typed("a string", lambda v: isinstance(v, str)),
    "numberValue": _typed("a number", _is_number),
    "boolValue": _typed("a boolean", lambda v: isinstance(v, bool)),
    "value": lambda n: n.value,
    "isNull": lambda n: n.value is None,
    "isObject": lambda n: isinstance(n.value, dict),
    "isArray": lambda n: isinstance(n.value, list),
    "isString": lambda n: isinstance(n.value, str),
    "isNumber": lambda n: _is_number(n.value),
    "isBoolean": lambda n: isinstance(n.value, bool),
    "fieldNames": lambda n: list(n.value) if isinstance(n.value, dict) else [],
    "toString": str,
}
