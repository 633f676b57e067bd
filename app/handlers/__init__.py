"""Service-task handlers: Python callables registered by name, run by Celery workers.

A BPMN service or send task names its handler with camunda:topic (external tasks), camunda:class,
camunda:expression / delegateExpression, zeebe:taskDefinition type or a spiffworkflow operator;
the name is looked up here. A handler is called as `handler(variables, idempotency_key=...)` and

- returns a dict of output variables (or None),
- raises `BpmnError(code, message, variables=None)` to throw a BPMN error (caught by a boundary
  error event, which gets the variables),
- raises `JobError(message, retries=None, backoff_seconds=None)` to fail with that many retries
  left and that wait before the next (Camunda 8's failJob; a connector's `jobError(...)`),
- raises anything else to fail: the job is retried with backoff, then becomes an incident.

A handler that also takes `headers` gets the task's static headers (Camunda 8's
`zeebe:taskHeaders`, a job's custom headers: `{"currency": "EUR"}`), so one worker can serve
several tasks configured differently; one that does not take them is called as before.

The idempotency key is the same for every attempt of one task execution, so a handler with a side
effect (a payment, an e-mail) can do it at most once even when a killed worker's task is redelivered.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from functools import cache

_handlers: dict[str, Callable] = {}


class BpmnError(Exception):
    """Raised by a handler to throw a BPMN error with `code` from its service task."""

    def __init__(self, code: str, message: str | None = None, variables: dict | None = None):
        super().__init__(message or code)
        self.code, self.message = code, message
        self.variables = variables or {}  # set where the error is caught (Camunda's handleBpmnError)


class JobError(Exception):
    """Raised by a handler to fail the attempt saying how many retries are left and how long to
    wait before the next (None: as the model's retry cycle says)."""

    def __init__(self, message: str, retries: int | None = None, backoff_seconds: float | None = None):
        super().__init__(message)
        self.retries, self.backoff_seconds = retries, backoff_seconds


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


def call_handler(func: Callable, variables: dict, idempotency_key: str | None, headers: dict) -> object:
    """Call a handler, giving it the task headers when its signature takes them."""
    if _takes_headers(func):
        return func(variables, idempotency_key=idempotency_key, headers=headers)
    return func(variables, idempotency_key=idempotency_key)


@cache  # (read once per handler, not at every job)
def _takes_headers(func: Callable) -> bool:
    try:
        parameters = inspect.signature(func).parameters.values()
    except (TypeError, ValueError):  # a builtin or C callable: called the plain way
        return False
    return any(p.name == "headers" or p.kind is p.VAR_KEYWORD for p in parameters)


_loaded: set[str] = set()
DEFAULT_MODULES = ("app.handlers.builtin", "app.handlers.http_connector", "app.handlers.http_json")


def load_handlers(extra: tuple[str, ...] = ()) -> None:
    """Import the modules that register handlers (built-ins plus BATON_HANDLER_MODULES)."""
    import os

    modules = [*DEFAULT_MODULES, *extra]
    modules += [m.strip() for m in os.environ.get("BATON_HANDLER_MODULES", "").split(",") if m.strip()]
    for module in modules:
        if module not in _loaded:
            importlib.import_module(module)
            _loaded.add(module)
