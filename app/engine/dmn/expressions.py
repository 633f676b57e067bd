"""Boxed expressions -> callables `evaluate(context: dict) -> FEEL value`.

Covers literal expressions, contexts, relations, lists, invocations, function definitions,
conditionals and decision tables (table.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lxml import etree

from app.engine.dmn.loading import Loader
from app.engine.feel.scope import Budget
from app.engine.feel.values import FeelFunction

Evaluator = Callable[[dict], Any]
EXPRESSION_TAGS = (
    "literalExpression",
    "decisionTable",
    "context",
    "relation",
    "list",
    "invocation",
    "functionDefinition",
    "conditional",
)


def find_expression(element: etree._Element, load: Loader) -> etree._Element | None:
    """The boxed expression directly inside `element`, if any."""
    for child in element:
        if isinstance(child.tag, str) and etree.QName(child).localname in EXPRESSION_TAGS:
            return child
    return None


def compile_child(element: etree._Element, load: Loader) -> Evaluator:
    expression = find_expression(element, load)
    if expression is None:
        return lambda context: None
    return compile_boxed(expression, load)


def compile_boxed(element: etree._Element, load: Loader) -> Evaluator:
    kind = etree.QName(element).localname
    if kind == "decisionTable":
        from app.engine.dmn.table import compile_table

        return compile_table(element, load)
    return _COMPILERS[kind](element, load)


def _literal(element: etree._Element, load: Loader) -> Evaluator:
    text = load.text(element)
    if not text:
        return lambda context: None
    language = (element.get("expressionLanguage") or "").lower()
    if language in ("javascript", "groovy", "python"):
        raise load.error(f"expression language {language!r} is not supported", element)
    return load.expression(text, element).evaluate


def _variable(entry: etree._Element, load: Loader) -> tuple[str | None, str | None]:
    variable = load.child(entry, "variable")
    if variable is None:
        return None, None
    return variable.get("name"), variable.get("typeRef")


def _context(element: etree._Element, load: Loader) -> Evaluator:
    entries = []
    for entry in load.children(element, "contextEntry"):
        name, type_ref = _variable(entry, load)
        entries.append((name, type_ref, compile_child(entry, load)))
    types = load.types

    def evaluate(context: dict) -> Any:
        scope, result = dict(context), {}
        for name, type_ref, value in entries:
            computed = types.coerce(value(scope), type_ref)
            if name is None:
                return computed
            scope[name] = result[name] = computed
        return result

    return evaluate


def _relation(element: etree._Element, load: Loader) -> Evaluator:
    columns = [column.get("name") for column in load.children(element, "column")]
    rows = [
        [
            compile_boxed(cell, load)
            for cell in row
            if isinstance(cell.tag, str) and etree.QName(cell).localname in EXPRESSION_TAGS
        ]
        for row in load.children(element, "row")
    ]
    return lambda context: [
        {column: cell(context) for column, cell in zip(columns, row, strict=False)} for row in rows
    ]


def _list(element: etree._Element, load: Loader) -> Evaluator:
    items = [
        compile_boxed(child, load)
        for child in element
        if isinstance(child.tag, str) and etree.QName(child).localname in EXPRESSION_TAGS
    ]
    return lambda context: [item(context) for item in items]


def _invocation(element: etree._Element, load: Loader) -> Evaluator:
    callee = compile_child(element, load)
    bindings = []
    for binding in load.children(element, "binding"):
        parameter = load.child(binding, "parameter")
        name = parameter.get("name") if parameter is not None else ""
        bindings.append((name, compile_child(binding, load)))

    def evaluate(context: dict) -> Any:
        function = callee(context)
        if not isinstance(function, FeelFunction):
            return None
        named = {name: value(context) for name, value in bindings}
        return function.call([], named, Budget())

    return evaluate


def function_from(element: etree._Element, load: Loader, name: str) -> Callable[[dict], FeelFunction]:
    """A functionDefinition (or a BKM's encapsulatedLogic) -> a maker of FEEL functions that close
    over the context they are made in."""
    params = [
        (param.get("name"), param.get("typeRef")) for param in load.children(element, "formalParameter")
    ]
    body = compile_child(element, load)
    types = load.types

    def make(context: dict) -> FeelFunction:
        def call(args: list, named: dict | None, budget: Budget) -> Any:
            budget.tick()
            values = [named.get(param) for param, _ in params] if named is not None else args
            if len(values) != len(params):
                return None
            frame = dict(context)
            for (param, type_ref), value in zip(params, values, strict=True):
                frame[param] = types.coerce(value, type_ref)
            return body(frame)

        return FeelFunction(name, tuple(param for param, _ in params), call)

    return make


def _function(element: etree._Element, load: Loader) -> Evaluator:
    return function_from(element, load, "anonymous function")


def _conditional(element: etree._Element, load: Loader) -> Evaluator:
    parts = {
        etree.QName(child).localname: compile_child(child, load)
        for child in element
        if isinstance(child.tag, str)
    }
    condition, then, otherwise = parts.get("if"), parts.get("then"), parts.get("else")
    if not (condition and then and otherwise):
        raise load.error("a conditional needs if, then and else", element)
    return lambda context: then(context) if condition(context) is True else otherwise(context)


_COMPILERS: dict[str, Callable[[etree._Element, Loader], Evaluator]] = {
    "literalExpression": _literal,
    "context": _context,
    "relation": _relation,
    "list": _list,
    "invocation": _invocation,
    "functionDefinition": _function,
    "conditional": _conditional,
}
