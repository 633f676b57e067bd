"""The building blocks of compiled FEEL: constant nodes (folded when compiling), string literals,
binary operations, comparisons (with a fast path for a number) and path access.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any, Protocol, cast

from app.engine.feel import ops
from app.engine.feel.temporal import temporal_property

_COMPARATORS = {
    "<": lambda order: order < 0,
    "<=": lambda order: order <= 0,
    ">": lambda order: order > 0,
    ">=": lambda order: order >= 0,
}
_ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "t": "\t", "r": "\r", "'": "'"}


class ConstantNode(Protocol):
    """A compiled node whose value is known when compiling: folding and tests read `const`."""

    const: Any

    def __call__(self, scope: Any) -> Any: ...


def constant(value: Any) -> ConstantNode:
    def node(scope):
        return value

    # A plain function stays the fastest node to call; mypy cannot see an attribute set on one.
    constant_node = cast(ConstantNode, node)
    constant_node.const = value
    return constant_node


_ESCAPE = re.compile(r"\\(U[0-9a-fA-F]{6}|u[0-9a-fA-F]{4}|.)", re.DOTALL)


def _escaped(match: re.Match) -> str:
    code = match.group(1)
    if len(code) > 1:
        point = int(code[1:], 16)
        return chr(point) if point <= 0x10FFFF else match.group(0)
    # Any other escape keeps its backslash, as in feel-scala: "\d" and "\s" are regex escapes
    # for matches(), replace() and split() (the DMN TCK's split("John Doe", "\s")).
    return _ESCAPES.get(code, "\\" + code)


def unescape(token: str) -> str:
    text = _ESCAPE.sub(_escaped, token[1:-1])
    # "\ud83d\udc0e" (a UTF-16 pair, as JSON and Java write one) is one character
    if not _has_surrogate(text):
        return text
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "surrogatepass")


def _has_surrogate(text: str) -> bool:
    return any("\ud800" <= char <= "\udfff" for char in text)


def binary(operation):
    def rule(self, children):
        left, right = children
        if hasattr(left, "const") and hasattr(right, "const"):
            return constant(operation(left.const, right.const))
        return lambda scope: operation(left(scope), right(scope))

    return rule


def compare_node(left, op: str, right):
    if op == "=":
        return lambda scope: ops.equals(left(scope), right(scope))
    if op == "!=":

        def not_equal(scope):
            same = ops.equals(left(scope), right(scope))
            return None if same is None else not same

        return not_equal
    check = _COMPARATORS[op]
    if hasattr(right, "const") and type(right.const) is Decimal:
        return _compare_to_number(left, check, right.const)

    def ordered(scope):
        order = ops.compare(left(scope), right(scope))
        return None if order is None else check(order)

    return ordered


def _compare_to_number(left, check, number: Decimal):
    """The common `amount > 100`: skip the generic type dispatch when the left side is a number."""

    def ordered(scope):
        value = left(scope)
        if type(value) is Decimal:
            return check(-1 if value < number else (1 if value > number else 0))
        order = ops.compare(value, number)
        return None if order is None else check(order)

    return ordered


def path_value(target: Any, key: str) -> Any:
    if isinstance(target, dict):
        return target.get(key)
    if isinstance(target, list):
        return [path_value(item, key) for item in target]
    return temporal_property(target, key)
