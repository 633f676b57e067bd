"""The errors the sandbox raises; every one is a `SandboxError` so callers catch one class."""

from __future__ import annotations


class SandboxError(Exception):
    """Base of everything the sandbox raises. `message` is safe to show to the model's author."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(f"line {line}: {message}" if line else message)
        self.message = message
        self.line = line


class SandboxViolation(SandboxError):
    """The code tried something the sandbox refuses (a forbidden name, attribute or statement)."""


class SandboxTimeout(SandboxError):
    """The code ran past its time limit."""


class SandboxMemoryError(SandboxError):
    """An operation would have built a value over the size limits, or the code recursed too deep."""


class SandboxSyntaxError(SandboxError):
    """The source is not valid Python."""


class SandboxScriptError(SandboxError):
    """The script itself failed (NameError, KeyError, ZeroDivisionError ...); `error_type` names it."""

    def __init__(self, message: str, line: int | None = None, error_type: str = "Exception"):
        super().__init__(message, line)
        self.error_type = error_type


class Abort(BaseException):
    """Carries a SandboxError out of the script.

    It derives from BaseException and is not reachable by name, and the policy only allows
    `except` clauses naming Exception subclasses, so a script cannot catch it and keep going.
    That matters because the tracer that raises timeouts is switched off by CPython once it
    has raised, so the first abort must also be the last thing the script does.
    """

    def __init__(self, error: SandboxError):
        super().__init__(error.message)
        self.error = error
