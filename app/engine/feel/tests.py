"""Compiler rules for unary tests: decision table input entries and the right side of `in`.

A compiled test is `test(value, scope) -> True | False | None`. An expression test compares the
input with the expression's value (membership for a list or range) and, as in Camunda's
feel-scala, is satisfied by a value of true; when the expression mentions `?`, its own boolean
value decides.
"""

from __future__ import annotations

import operator
from decimal import Decimal
from typing import Any

from app.engine.feel import ops
from app.engine.feel.values import Range


def _membership(value: Any, result: Any) -> bool | None:
    kind = type(result)
    if kind is Range:
        return result.contains(value)
    if kind is list:
        if type(value) is list and ops.equals(value, result) is True:
            return True
        return any(ops.equals(value, item) is True for item in result)
    return ops.equals(value, result)


def _number_range_test(bounds: Range):
    """`[250..1000]` in a decision table: two plain comparisons when the input is a number."""
    low, high = bounds.start, bounds.end
    above = operator.le if bounds.start_included else operator.lt
    below = operator.le if bounds.end_included else operator.lt

    def in_range(value, scope):
        if type(value) is Decimal:
            return above(low, value) and below(value, high)
        return ops.range_contains(bounds, value)

    return in_range


def _constant_test(expected: Any):
    kind = type(expected)
    if kind is Range and type(expected.start) is Decimal and type(expected.end) is Decimal:
        return _number_range_test(expected)
    if kind is Range:
        return lambda value, scope: ops.range_contains(expected, value)
    if kind in (str, Decimal, bool):

        def same(value, scope):
            return value == expected if type(value) is kind else ops.equals(value, expected)

        return same
    return lambda value, scope: _membership(value, expected)


def expression_test(self, children):
    (node,) = children
    if hasattr(node, "const"):
        const_test = _constant_test(node.const)
        const_test.expr = node
        return const_test

    def test(value, scope):
        result = node(scope)
        # feel-scala: an expression that gives true is satisfied (`amount > 1000`, `cellInput > 5`)
        return True if result is True else _membership(value, result)

    test.expr = node
    return test


def input_test(self, children):
    (node,) = children

    def test(value, scope):
        return ops.truth(node(scope.child({"?": value})))

    test.expr = node
    return test


_CHECKS = {
    "<": lambda order: order < 0,
    "<=": lambda order: order <= 0,
    ">": lambda order: order > 0,
    ">=": lambda order: order >= 0,
}


def comparison_test(self, children):
    op, node = str(children[0]), children[1]
    if op in ("=", "!="):

        def equality(value, scope):
            same = ops.equals(value, node(scope))
            return same if op == "=" or same is None else not same

        return equality
    check = _CHECKS[op]
    if hasattr(node, "const") and type(node.const) is Decimal:
        number = node.const

        def against_number(value, scope):
            if type(value) is Decimal:
                return check(-1 if value < number else (1 if value > number else 0))
            order = ops.compare(value, number)
            return None if order is None else check(order)

        return against_number

    def ordered(value, scope):
        order = ops.compare(value, node(scope))
        return None if order is None else check(order)

    return ordered


def any_of(tests):
    if len(tests) == 1:
        return tests[0]

    def test(value, scope):
        unknown = False
        for one in tests:
            result = one(value, scope)
            if result is True:
                return True
            unknown = unknown or result is None
        return None if unknown else False

    return test


def positive_unary_tests(self, children):
    return children


def test_list(self, children):
    return any_of(children)


def any_input(self, _children):
    def test(value, scope):
        return True

    test.matches_all = True
    return test


def unary_tests(self, children):
    (tests,) = children
    negated = getattr(getattr(tests[0], "expr", None), "negated_tests", None) if len(tests) == 1 else None
    if negated is None:
        return any_of(tests)
    positive = any_of(negated)

    def test(value, scope):
        result = positive(value, scope)
        return None if result is None else not result

    return test


def in_expr(self, children):
    node, test = children
    return lambda scope: test(node(scope), scope)


TEST_RULES = {
    name: globals()[name]
    for name in (
        "expression_test",
        "input_test",
        "comparison_test",
        "positive_unary_tests",
        "test_list",
        "any_input",
        "unary_tests",
        "in_expr",
    )
}
