"""JUEL (the Unified Expression Language of Camunda 7 models): `${...}` and `#{...}`.

Evaluation is sandboxed by construction: the lark tree (`juel_syntax`) is interpreted here,
properties are read only from dicts and lists, and method calls go through a short whitelist
(`juel_whitelist`: getVariable, equals, contains, startsWith, length, size, isEmpty, ...).
Anything else raises JuelEvaluationError naming the method. There are no loops, so evaluation
time is bounded by the text's length.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from lark import Tree

from app.engine import execution_facts
from app.engine.juel_spin import parse as spin_parse
from app.engine.juel_spin import plain
from app.engine.juel_syntax import JuelSyntaxError, compile_text
from app.engine.juel_whitelist import (
    Execution,
    JuelEvaluationError,
    call_method,
    compare,
    equals,
    read_property,
)

__all__ = ["JuelEvaluationError", "JuelSyntaxError", "compile_text", "evaluate", "is_juel"]

FUNCTIONS = frozenset({"dateTime", "S", "JSON"})  # Camunda 7's dateTime() and Spin's S() / JSON()
_OPERATOR_NAMES = {
    "eq": "==",
    "ne": "!=",
    "lt": "<",
    "gt": ">",
    "le": "<=",
    "ge": ">=",
    "div": "/",
    "mod": "%",
}


def is_juel(text: Any) -> bool:
    """True when `text` holds a `${...}` or `#{...}` expression."""
    return isinstance(text, str) and ("${" in text or "#{" in text)


def evaluate(text: str, context: dict) -> Any:
    """The value of `${expr}` alone, or the text of a composite such as `Hello ${name}`."""
    pieces = compile_text(text)
    interpreter = _Interpreter(context, text)
    try:
        values = [interpreter.eval(part) if is_expression else part for is_expression, part in pieces]
    except RecursionError:
        raise JuelEvaluationError("expression nests too deeply", text)
    if len(values) == 1 and pieces[0][0]:
        return plain(values[0])  # a Spin node is stored as its JSON value
    return "".join(_text(value) for value in values)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(value)
    return str(value)


def _number(value: Any, text: str) -> int | float:
    if value is None:
        return 0
    if isinstance(value, bool):
        raise JuelEvaluationError("cannot use a boolean as a number", text)
    if isinstance(value, int | float):
        return value
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, str):
        try:
            return int(value) if value.strip().lstrip("-").isdigit() else float(value)
        except ValueError:
            pass
    raise JuelEvaluationError(f"cannot use {value!r} as a number", text)


def _boolean(value: Any, text: str) -> bool:
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return value.lower() == "true"
    raise JuelEvaluationError(f"cannot use {value!r} as a boolean", text)


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str | list | tuple | dict | set) and len(value) == 0)


class _Interpreter:
    """Walks the tree top-down, so `?:`, `&&` and `||` evaluate only the branch they need."""

    def __init__(self, context: dict, text: str):
        self.context, self.text = context, text

    def eval(self, node: Any) -> Any:
        return getattr(self, node.data)(*node.children)

    def number(self, token: Any) -> int | float:
        text = str(token)
        return float(text) if any(c in text for c in ".eE") else int(text)

    def string(self, token: Any) -> str:
        body = str(token)[1:-1]
        return body.replace("\\'", "'").replace('\\"', '"').replace("\\\\", "\\")

    def true(self) -> bool:
        return True

    def false(self) -> bool:
        return False

    def null(self) -> None:
        return None

    def var(self, token: Any) -> Any:
        name = str(token)
        if name in self.context:
            return self.context[name]
        if name == "execution":
            return Execution(self.context, execution_facts.properties())
        raise JuelEvaluationError(f"unknown variable {name!r}", self.text)

    def ternary(self, condition: Tree, then: Tree, otherwise: Tree) -> Any:
        return self.eval(then) if _boolean(self.eval(condition), self.text) else self.eval(otherwise)

    def or_op(self, left: Tree, right: Tree) -> bool:
        return _boolean(self.eval(left), self.text) or _boolean(self.eval(right), self.text)

    def and_op(self, left: Tree, right: Tree) -> bool:
        return _boolean(self.eval(left), self.text) and _boolean(self.eval(right), self.text)

    def not_op(self, operand: Tree) -> bool:
        return not _boolean(self.eval(operand), self.text)

    def empty(self, operand: Tree) -> bool:
        return _is_empty(self.eval(operand))

    def neg(self, operand: Tree) -> int | float:
        return -_number(self.eval(operand), self.text)

    def binary(self, left: Tree, op: Any, right: Tree) -> Any:
        operator = _OPERATOR_NAMES.get(str(op), str(op))
        a, b = self.eval(left), self.eval(right)
        if operator in ("==", "!="):
            return equals(a, b) == (operator == "==")
        if operator in ("<", ">", "<=", ">="):
            return compare(a, b, operator, self.text)
        return _arithmetic(operator, _number(a, self.text), _number(b, self.text), self.text)

    def prop(self, target: Tree, name: Any) -> Any:
        return read_property(self.eval(target), str(name), self.text)

    def index(self, target: Tree, key: Tree) -> Any:
        return read_property(self.eval(target), self.eval(key), self.text)

    def method(self, target: Tree, name: Any, *args: Tree) -> Any:
        values = [self.eval(arg) for arg in args if arg is not None]
        return call_method(self.eval(target), str(name), values, self.text)

    def function(self, name: Any, *args: Tree) -> Any:  # (FUNCTIONS names what this takes)
        # Camunda 7's built-in `dateTime()` (a Joda DateTime of now), e.g. in dueDate attributes.
        values = [self.eval(arg) for arg in args if arg is not None]
        if str(name) == "dateTime" and not values:
            return datetime.now(UTC)
        if str(name) in ("S", "JSON") and len(values) in (1, 2):  # Camunda Spin: S(text[, format])
            return spin_parse(values[0], self.text)
        raise JuelEvaluationError(f"function {str(name)!r} is not available", self.text)


def _arithmetic(operator: str, a: int | float, b: int | float, text: str) -> int | float:
    if operator == "+":
        return a + b
    if operator == "-":
        return a - b
    if operator == "*":
        return a * b
    if b == 0:
        raise JuelEvaluationError("division by zero", text)
    if operator == "/":
        return a / b
    return math.fmod(a, b) if isinstance(a, float) or isinstance(b, float) else int(math.fmod(a, b))
