"""FEEL, the DMN expression language: parse once, evaluate a compiled tree many times.

Evaluation is sandboxed by construction: the tree is interpreted by closures that only read dict
keys and the documented properties of FEEL values, never Python attributes, eval or exec. It is
bounded by a deadline (1 s by default) and a cap on list sizes, so a runaway expression fails with
FeelEvaluationError instead of holding a worker.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from lark import Tree

from app.engine.expression_errors import ExpressionError
from app.engine.feel.compiler import FeelCompiler
from app.engine.feel.convert import from_json_value, to_json_value
from app.engine.feel.parser import FeelSyntaxError, parse, special_names
from app.engine.feel.scope import DEFAULT_TIME_LIMIT, Budget, FeelEvaluationError, Scope

__all__ = [
    "CompiledExpression",
    "CompiledUnaryTests",
    "ExpressionError",
    "FeelEvaluationError",
    "FeelSyntaxError",
    "compile_expression",
    "compile_unary_tests",
    "evaluate",
    "from_json_value",
    "to_json_value",
    "unary_test",
]


def _mark_input_tests(tree: Tree) -> Tree:
    """An expression test that mentions `?` is decided by its own value, not by equality."""
    for subtree in tree.iter_subtrees():
        if subtree.data == "expression_test" and any(
            node.data == "input_var" for node in subtree.iter_subtrees()
        ):
            subtree.data = "input_test"
    return tree


def _run(node: Any, context: dict, expression: str, time_limit: float) -> Any:
    try:
        return node(Scope(context, None, Budget(time_limit)))
    except FeelEvaluationError as exc:
        raise FeelEvaluationError(exc.message, expression) from None
    except RecursionError:
        raise FeelEvaluationError("recursion too deep", expression) from None


class CompiledExpression:
    """A parsed FEEL expression; `evaluate(context)` runs it against a dict of variables."""

    __slots__ = ("text", "node")

    def __init__(self, text: str, node: Any):
        self.text = text
        self.node = node

    def evaluate(self, context: dict | None = None, time_limit: float = DEFAULT_TIME_LIMIT) -> Any:
        return _run(self.node, context or {}, self.text, time_limit)

    def __repr__(self) -> str:
        return f"CompiledExpression({self.text!r})"


class CompiledUnaryTests:
    """Parsed unary tests (a decision table input entry); `matches(value, context)` checks a value."""

    __slots__ = ("text", "test", "matches_all")

    def __init__(self, text: str, test: Any):
        self.text = text
        self.test = test
        self.matches_all = getattr(test, "matches_all", False)

    def matches(
        self, value: Any, context: dict | None = None, time_limit: float = DEFAULT_TIME_LIMIT
    ) -> bool:
        if self.matches_all:
            return True
        test = self.test
        return _run(lambda scope: test(value, scope), context or {}, self.text, time_limit) is True

    def __repr__(self) -> str:
        return f"CompiledUnaryTests({self.text!r})"


@lru_cache(maxsize=8192)
def compile_expression(text: str, names: tuple[str, ...] = ()) -> CompiledExpression:
    """Parse `text` once (cached). `names` lists variable names holding keywords or operator
    characters (e.g. "Approved/Declined") so they are read as one name."""
    if not text or not text.strip():
        raise FeelSyntaxError("the expression is empty", text or "", 0)
    tree, mapping = parse(text, "expression", names)
    return CompiledExpression(text, FeelCompiler(mapping).transform(_mark_input_tests(tree)))


@lru_cache(maxsize=8192)
def compile_unary_tests(text: str, names: tuple[str, ...] = ()) -> CompiledUnaryTests:
    """Parse decision table input entry `text` once (cached); empty text matches anything."""
    if not text or not text.strip():
        text = "-"
    tree, mapping = parse(text, "unary_tests", names)
    return CompiledUnaryTests(text, FeelCompiler(mapping).transform(_mark_input_tests(tree)))


def evaluate(text: str, context: dict | None = None) -> Any:
    """Evaluate FEEL `text` against `context` (JSON-ish values are read as FEEL values)."""
    context = context or {}
    return compile_expression(text, special_names(context, text)).evaluate(context)


def unary_test(text: str, input_value: Any, context: dict | None = None) -> bool:
    """True when `input_value` satisfies the unary tests `text` (e.g. `< 5`, `"a","b"`, `-`)."""
    context = context or {}
    tests = compile_unary_tests(text, special_names(context, text))
    return tests.matches(from_json_value(input_value), context)
