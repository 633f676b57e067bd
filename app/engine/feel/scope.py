"""Where names are looked up during one evaluation, and the budget that bounds it."""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

from app.engine.expression_errors import ExpressionError

DEFAULT_TIME_LIMIT = 1.0
MAX_LIST_SIZE = 1_000_000
_MISSING = object()
_FEEL_SCALARS = frozenset({Decimal, str, bool, type(None)})


class FeelEvaluationError(ExpressionError):
    """Evaluation failed outright (too long, too large, too deep), rather than yielding null."""


class Budget:
    """Counts steps of loops and calls; every 1024 steps it checks the clock against a deadline."""

    __slots__ = ("deadline", "steps")

    def __init__(self, seconds: float = DEFAULT_TIME_LIMIT):
        self.deadline = time.monotonic() + seconds
        self.steps = 0

    def tick(self) -> None:
        self.steps += 1
        if not self.steps & 0x3FF and time.monotonic() > self.deadline:
            raise FeelEvaluationError("evaluation took too long")

    @staticmethod
    def check_size(size: int) -> None:
        if size > MAX_LIST_SIZE:
            raise FeelEvaluationError(f"a list would hold more than {MAX_LIST_SIZE} elements")


class Scope:
    """A frame of names -> values with a parent frame; the root frame holds the caller's context."""

    __slots__ = ("vars", "parent", "budget")

    def __init__(self, variables: dict, parent: Scope | None, budget: Budget):
        self.vars = variables
        self.parent = parent
        self.budget = budget

    def child(self, variables: dict) -> Scope:
        return Scope(variables, self, self.budget)

    def lookup(self, name: str) -> Any:
        scope: Scope | None = self
        while scope is not None:
            value = scope.vars.get(name, _MISSING)
            if value is not _MISSING:
                return value if type(value) in _FEEL_SCALARS else _to_feel(value)
            scope = scope.parent
        from app.engine.feel.builtins import BUILTINS

        return BUILTINS.get(name)


def _to_feel(value: Any) -> Any:
    from app.engine.feel.convert import from_json_value

    return from_json_value(value)
