"""Camunda 7's JUEL in a DMN file: `expressionLanguage="juel"` on an input expression, an input
entry, an output entry or a literal expression (or on `definitions`, for all of them), which
Camunda Modeler 7 offers beside FEEL and older Camunda 7 models use.

An input entry is a condition on the input value, named `cellInput` or the input's
`camunda:inputVariable`: `${cellInput > 5}` matches when it gives true. Text without `${...}` is
one expression, as Camunda reads it (`amount` is `${amount}`). Values cross as FEEL values.
"""

from __future__ import annotations

from typing import Any

from app.engine import juel
from app.engine.expression_errors import ExpressionError
from app.engine.feel import FeelEvaluationError, from_json_value
from app.engine.feel.scope import DEFAULT_TIME_LIMIT


def is_juel(element, text: str = "") -> bool:
    """True when the element's expression language, or its file's, is JUEL, or when its text is
    `${...}`, which FEEL cannot read (Camunda 7 before 7.13 took JUEL without saying so)."""
    if text.lstrip().startswith(("${", "#{")):
        return True
    language = element.get("expressionLanguage")
    if language is None:
        language = element.getroottree().getroot().get("expressionLanguage")
    return (language or "").strip().lower() == "juel"


class JuelExpression:
    """Quacks like a CompiledExpression: `evaluate(context)` and `node(scope)`."""

    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text if juel.is_juel(text) else "${" + text + "}"
        juel.compile_text(self.text)  # raises JuelSyntaxError at deploy

    def evaluate(self, context: dict | None = None, time_limit: float = DEFAULT_TIME_LIMIT) -> Any:
        try:
            return from_json_value(juel.evaluate(self.text, dict(context or {})))
        except ExpressionError as exc:
            raise FeelEvaluationError(exc.message, self.text) from None

    def node(self, scope) -> Any:
        return self.evaluate(variables(scope))


def variables(scope) -> dict:
    """A FEEL scope's names as one dict, the innermost frame winning."""
    frames = []
    while scope is not None:
        frames.append(scope.vars)
        scope = scope.parent
    merged: dict = {}
    for frame in reversed(frames):
        merged.update(frame)
    return merged


def entry_test(expression: JuelExpression, name: str):
    """An input entry's test: the expression, given the input value as `name`, gives true."""

    def test(value, scope):
        return expression.evaluate({**variables(scope), name: value}) is True

    return test
