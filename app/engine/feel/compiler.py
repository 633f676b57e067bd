"""Turning a FEEL tree into nested Python closures, each `node(scope) -> value`.

Closures are built once per expression text; evaluating is then a chain of plain calls, which
keeps a simple comparison within a few microseconds. Nothing here reaches Python objects beyond
dict keys and the documented properties of FEEL values (temporal.temporal_property).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from lark import Token, Transformer

from app.engine.feel import ops
from app.engine.feel.loops import FLOW_RULES
from app.engine.feel.nodes import binary, compare_node, constant, path_value, unescape
from app.engine.feel.temporal import parse_temporal
from app.engine.feel.tests import TEST_RULES
from app.engine.feel.values import Range

_MISSING = object()
_SCALARS = frozenset({Decimal, str, bool})


class FeelCompiler(Transformer):
    """One instance per expression; `names` maps parser placeholders back to real names."""

    def __init__(self, names: dict[str, str]):
        super().__init__()
        self.names = names

    # ---- names and literals
    def name(self, words: list[Token]) -> str:
        text = " ".join(str(word) for word in words)
        return self.names.get(text, text)

    def var(self, children):
        (name,) = children

        def lookup(scope):
            value = scope.vars.get(name, _MISSING)
            kind = type(value)
            if kind in _SCALARS:
                return value
            if kind is int:
                return Decimal(value)
            return scope.lookup(name)

        lookup.var_name = name  # read by `is defined`
        return lookup

    def input_var(self, _children):
        return lambda scope: scope.lookup("?")

    def number(self, children):
        return constant(Decimal(str(children[0])))

    def string(self, children):
        return constant(unescape(str(children[0])))

    def temporal(self, children):
        text = unescape(str(children[0]))
        value = parse_temporal(text)
        if value is None:
            from app.engine.feel.parser import FeelSyntaxError

            raise FeelSyntaxError(f"{text!r} is not a date, time or duration", text)
        return constant(value)

    def true(self, _children):
        return constant(True)

    def false(self, _children):
        return constant(False)

    def null(self, _children):
        return constant(None)

    # ---- arithmetic and comparison
    add = binary(ops.add)
    sub = binary(ops.sub)
    mul = binary(ops.mul)
    div = binary(ops.div)
    pow = binary(ops.power)

    def neg(self, children):
        (operand,) = children
        if hasattr(operand, "const"):
            return constant(ops.negate(operand.const))
        return lambda scope: ops.negate(operand(scope))

    def compare(self, children):
        left, op, right = children
        return compare_node(left, str(op), right)

    def between(self, children):
        value, low, high = children

        def node(scope):
            subject = value(scope)
            above = ops.compare(subject, low(scope))
            below = ops.compare(subject, high(scope))
            return None if above is None or below is None else above >= 0 and below <= 0

        return node

    def instance_of(self, children):
        value, _keyword, type_name = children
        from app.engine.feel.types import instance_of

        return lambda scope: instance_of(value(scope), type_name)

    def type(self, children):
        return children[0]

    # ---- logic
    def and_expr(self, children):
        left, right = children

        def node(scope):
            a, b = ops.truth(left(scope)), ops.truth(right(scope))
            if a is False or b is False:
                return False
            return True if a is True and b is True else None

        return node

    def or_expr(self, children):
        left, right = children

        def node(scope):
            a, b = ops.truth(left(scope)), ops.truth(right(scope))
            if a is True or b is True:
                return True
            return False if a is False and b is False else None

        return node

    def if_expr(self, children):
        condition, then, otherwise = children
        return lambda scope: then(scope) if condition(scope) is True else otherwise(scope)

    # ---- structure
    def list_expr(self, children):
        items = [child for child in children if child is not None]
        return lambda scope: [item(scope) for item in items]

    def context_entry(self, children):
        key, value = children
        return (unescape(str(key)) if isinstance(key, Token) else key), value

    def context_expr(self, children):
        entries = [child for child in children if child is not None]

        def node(scope):
            result: dict[str, Any] = {}
            inner = scope.child(result)
            for key, value in entries:
                result[key] = value(inner)
            return result

        return node

    def path(self, children):
        target, key = children

        def node(scope):
            return path_value(target(scope), key)

        node.path_of = (target, key)  # read by `is defined`
        return node

    def _interval(self, children, start_included: bool, end_included: bool):
        low, high = children
        if hasattr(low, "const") and hasattr(high, "const"):
            return constant(Range(low.const, high.const, start_included, end_included))
        return lambda scope: Range(low(scope), high(scope), start_included, end_included)

    def interval_ii(self, children):
        return self._interval(children, True, True)

    def interval_ie(self, children):
        return self._interval(children, True, False)

    def interval_ei(self, children):
        return self._interval(children, False, True)

    def interval_ee(self, children):
        return self._interval(children, False, False)


for _rule_name, _rule in {**FLOW_RULES, **TEST_RULES}.items():
    setattr(FeelCompiler, _rule_name, _rule)
