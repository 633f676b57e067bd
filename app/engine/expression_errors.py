"""The one error type every expression language (FEEL, JUEL) raises, so callers catch one thing."""

from __future__ import annotations


class ExpressionError(Exception):
    """An expression could not be parsed or evaluated; `expression` is its text."""

    def __init__(self, message: str, expression: str = ""):
        super().__init__(f"{message} in expression {expression!r}" if expression else message)
        self.message = message
        self.expression = expression
