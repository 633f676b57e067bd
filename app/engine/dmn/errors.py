"""Errors of DMN loading and evaluation."""

from __future__ import annotations


class DmnParseError(ValueError):
    """A DMN file could not be read; names the file, the line and the element id when known."""

    def __init__(
        self, message: str, filename: str = "", line: int | None = None, element_id: str | None = None
    ):
        where = ", ".join(
            part
            for part in (
                filename,
                f"line {line}" if line else "",
                f"element {element_id!r}" if element_id else "",
            )
            if part
        )
        super().__init__(f"{where}: {message}" if where else message)
        self.message, self.filename, self.line, self.element_id = message, filename, line, element_id


class DmnEvaluationError(Exception):
    """A decision could not be evaluated (e.g. a UNIQUE table with two matching rules)."""

    def __init__(self, message: str, decision_id: str | None = None):
        super().__init__(f"decision {decision_id!r}: {message}" if decision_id else message)
        self.message, self.decision_id = message, decision_id
