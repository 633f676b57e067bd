"""Compiler rules for iteration, filters, functions and invocation (mixed into FeelCompiler)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from app.engine.feel import ops
from app.engine.feel.scope import Budget, Scope
from app.engine.feel.values import FeelFunction, Range


def _number_range(start: Decimal, end: Decimal):
    if start != start.to_integral_value() or end != end.to_integral_value():
        return
    step = 1 if end >= start else -1
    current = start
    while (current <= end) if step > 0 else (current >= end):
        yield current
        current += step


def _domain(start: Any, end: Any, has_end: bool):
    if has_end:
        if type(start) is Decimal and type(end) is Decimal:
            return _number_range(start, end)
        return ()
    if type(start) is list:
        return start
    if type(start) is Range and type(start.start) is Decimal and type(start.end) is Decimal:
        low = start.start if start.start_included else start.start + 1
        high = start.end if start.end_included else start.end - 1
        return _number_range(low, high)
    return () if start is None else [start]


def _scopes(iterations, index: int, scope: Scope):
    if index == len(iterations):
        yield scope
        return
    name, start, end = iterations[index]
    for value in _domain(start(scope), end(scope) if end else None, end is not None):
        scope.budget.tick()
        yield from _scopes(iterations, index + 1, scope.child({name: value}))


def iteration(self, children):
    name, start, end = children
    return name, start, end


def quantified(self, children):
    name, start = children
    return name, start, None


def for_expr(self, children):
    *iterations, body = children

    def node(scope):
        results: list[Any] = []
        for inner in _scopes(iterations, 0, scope.child({"partial": results})):
            results.append(body(inner))
            if len(results) & 0xFFF == 0:
                Budget.check_size(len(results))
        return results

    return node


def quantified_expr(self, children):
    keyword, *iterations, condition = children
    wanted = str(keyword) == "some"

    def node(scope):
        for inner in _scopes(iterations, 0, scope):
            if condition(inner) is wanted:
                return wanted
        return not wanted

    return node


def _item_scope(scope: Scope, item: Any) -> Scope:
    inner = scope.child({"item": item})
    return Scope(item, inner, scope.budget) if isinstance(item, dict) else inner


def _index(items: list, position: Decimal) -> Any:
    if position != position.to_integral_value():
        return None
    index = int(position)
    if index > 0 and index <= len(items):
        return items[index - 1]
    if index < 0 and -index <= len(items):
        return items[index]
    return None


def filter(self, children):  # noqa: A001 - named after the grammar rule
    target, condition = children

    def node(scope):
        items = target(scope)
        if items is None:
            return None
        if type(items) is not list:
            items = [items]
        if not items:
            return []
        first = condition(_item_scope(scope, items[0]))
        if type(first) is Decimal:
            return _index(items, first)
        kept = [items[0]] if first is True else []
        for item in items[1:]:
            scope.budget.tick()
            if condition(_item_scope(scope, item)) is True:
                kept.append(item)
        return kept

    return node


def param(self, children):
    return children[0]


def function_def(self, children):
    *params, body = children
    names = tuple(param for param in params if param is not None)
    return lambda scope: make_function("anonymous function", names, body, scope)


def no_args(self, _children):
    return None, []


def positional_args(self, children):
    return None, children


def named_arg(self, children):
    return children[0], children[1]


def named_args(self, children):
    return True, children


def invoke(self, children):
    callee, (named, args) = children
    if getattr(callee, "var_name", None) == "is defined" and not named and len(args) == 1:
        (operand,) = args
        return lambda scope: _defined(operand, scope)
    if named:

        def call_named(scope):
            function = callee(scope)
            if type(function) is not FeelFunction:
                return None
            return function.call([], {key: arg(scope) for key, arg in args}, scope.budget)

        return call_named

    def call(scope):
        function = callee(scope)
        if type(function) is not FeelFunction:
            return None
        return function.call([arg(scope) for arg in args], None, scope.budget)

    return call


def _defined(node, scope) -> bool:
    """Camunda's `is defined(x.y)`: whether the variable, or the context entry, exists at all (a
    null one does); it needs the name, not the value, which is null either way."""
    name = getattr(node, "var_name", None)
    if name is not None:
        frame = scope
        while frame is not None:
            if name in frame.vars:
                return True
            frame = frame.parent
        return False
    path = getattr(node, "path_of", None)
    if path is not None:
        target, key = path
        if not _defined(target, scope):
            return False
        value = target(scope)
        return isinstance(value, dict) and key in value
    return True  # a literal, a call, any value: null included, as in Camunda


def invoke_not(self, children):
    _keyword, tests = children
    if len(tests) == 1 and getattr(tests[0], "expr", None) is not None:
        operand = tests[0].expr

        def negate(scope):
            value = ops.truth(operand(scope))
            return None if value is None else not value

        negate.negated_tests = tests
        return negate

    def unsupported(scope):
        return None

    unsupported.negated_tests = tests
    return unsupported


FLOW_RULES = {
    name: globals()[name]
    for name in (
        "iteration",
        "quantified",
        "for_expr",
        "quantified_expr",
        "filter",
        "param",
        "function_def",
        "no_args",
        "positional_args",
        "named_arg",
        "named_args",
        "invoke",
        "invoke_not",
    )
}


def make_function(name: str, params: tuple[str, ...], body, scope) -> FeelFunction:
    """A FEEL user function closing over the scope where it was defined."""
    from app.engine.feel.invoke import bind_arguments

    def call(args, named, budget):
        budget.tick()
        frame = bind_arguments(name, params, args, named)
        return body(scope.child(frame) if budget is scope.budget else _rebudget(scope, frame, budget))

    return FeelFunction(name, params, call)


def _rebudget(scope, frame, budget):
    return Scope(frame, Scope(scope.vars, scope.parent, budget), budget)
