"""Service-task handlers: Python callables registered by name, run by Celery workers.

A BPMN service or send task names its handler with camunda:topic (external tasks), camunda:class,
camunda:expression / delegateExpression, zeebe:taskDefinition type or a spiffworkflow operator;
the name is looked up here. A handler is called as `handler(variables, idempotency_key=...)` and

- returns a dict of output variables (or None),
- raises `BpmnError(code, message, variables=None)` to throw a BPMN error (caught by a boundary
  error event, which gets the variables),
- raises anything else to fail: the job is retried with backoff, then becomes an incident.

The idempotency key is the same for every attempt of one task execution, so a handler with a side
effect (a payment, an e-mail) can do it at most once even when a killed worker's task is redelivered.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

_handlers: dict[str, Callable] = {}


class BpmnError(Exception):
    """Raised by a handler to throw a BPMN error with `code` from its service task."""

    def __init__(self, code: str, message: str | None = None, variables: dict | None = None):
        super().__init__(message or code)
        self.code, self.message = code, message
        self.variables = variables or {}  # set where the error is caught (Camunda's handleBpmnError)


class UnknownHandler(LookupError):
    pass


def service_handler(*names: str):
    """Register the decorated function under one or more names."""

    def register(func: Callable) -> Callable:
        for name in names:
            _handlers[name] = func
        return func

    return register


def _normalise(name: str) -> str:
    # `${archiveService}` and `#{archiveService}` (Camunda expressions) name the same bean.
    name = name.strip()
    if name[:2] in ("${", "#{") and name.endswith("}"):
        name = name[2:-1].strip()
    return name


def get_handler(name: str | None) -> Callable:
    load_handlers()
    if not name:
        raise UnknownHandler("the service task names no handler (topic, class, expression or type)")
    func = _handlers.get(name) or _handlers.get(_normalise(name))
    if func is None:
        raise UnknownHandler(f"no service handler is registered as '{name}'")
    return func


_loaded: set[str] = set()
DEFAULT_MODULES = ("app.handlers.builtin",)


def load_handlers(extra: tuple[str, ...] = ()) -> None:
    """Import the modules that register handlers (built-ins plus BATON_HANDLER_MODULES)."""
    import os

    modules = [*DEFAULT_MODULES, *extra]
    modules += [m.strip() for m in os.environ.get("BATON_HANDLER_MODULES", "").split(",") if m.strip()]
    for module in modules:
        if module not in _loaded:
            importlib.import_module(module)
            _loaded.add(module)
