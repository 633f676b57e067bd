"""Errors the engine reports in terms a modeller understands: file, line, element id."""

from __future__ import annotations


class ModelError(Exception):
    """A deployed file cannot be used; the message names the file, the line and the element."""

    def __init__(
        self,
        message: str,
        *,
        filename: str | None = None,
        line: int | None = None,
        element_id: str | None = None,
    ):
        self.message, self.filename, self.line, self.element_id = message, filename, line, element_id
        where = ", ".join(
            p
            for p in (
                filename,
                f"line {line}" if line else None,
                f"element '{element_id}'" if element_id else None,
            )
            if p
        )
        super().__init__(f"{where}: {message}" if where else message)

    def as_details(self) -> dict:
        return {"file": self.filename, "line": self.line, "element_id": self.element_id}


class StepError(Exception):
    """A step failed inside the model (script, expression, decision, data): it becomes an incident."""

    def __init__(self, message: str, *, element_id: str | None = None, task_id=None, kind: str = "script"):
        super().__init__(message)
        self.message, self.element_id, self.task_id, self.kind = message, element_id, task_id, kind


class CompletionFailed(StepError):
    """A user task's own completion failed (its output mapping): nothing of it should be kept."""


class NotReady(Exception):
    """The task cannot be acted on in its current state (already done, cancelled, not ready)."""


class AmbiguousMessage(Exception):
    """A message one wait should take matches several in an instance (Camunda 7's
    MismatchingMessageCorrelationException): nothing caught it."""

    def __init__(self, name: str, waits: int, element_ids: list[str]):
        super().__init__(f"message '{name}' matches {waits} waits, of {', '.join(element_ids)}")
        self.name, self.waits, self.element_ids = name, waits, element_ids
