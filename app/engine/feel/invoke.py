"""Binding call arguments to parameters, for user functions and built-ins alike."""

from __future__ import annotations

from typing import Any

from app.engine.feel.scope import Budget
from app.engine.feel.values import FeelFunction

# A built-in that fails on its arguments yields null, as FEEL asks, rather than an error.
_ARGUMENT_ERRORS = (
    TypeError,
    ValueError,
    ArithmeticError,
    AttributeError,
    KeyError,
    IndexError,
    OverflowError,
)


def bind_arguments(name: str, params: tuple[str, ...], args: list, named: dict | None) -> dict | None:
    """Parameter name -> value, or None when the arguments do not fit the parameters."""
    if named is not None:
        if not set(named) <= set(params):
            return None
        return {param: named.get(param) for param in params}
    if len(args) != len(params):
        return None
    return dict(zip(params, args, strict=True))


def _positional(signatures: tuple[tuple[str, ...], ...], named: dict) -> list | None:
    for signature in signatures:
        names = [param.rstrip("?") for param in signature]
        required = {param for param in signature if not param.endswith("?")}
        if required <= set(named) <= set(names):
            args = [named.get(param) for param in names]
            while args and names[len(args) - 1] not in named:
                args.pop()
            return args
    return None


def builtin(
    name: str, signatures: tuple[tuple[str, ...], ...], function: Any, wants_budget: bool = False
) -> FeelFunction:
    """Wrap a Python function as a FEEL built-in; `signatures` name its parameters for named calls
    (a trailing `?` marks an optional one)."""

    def call(args: list, named: dict | None, budget: Budget) -> Any:
        if named is not None:
            positional = _positional(signatures, named)
            if positional is None:
                return None
            args = positional
        try:
            if wants_budget:
                return function(budget, *args)
            return function(*args)
        except _ARGUMENT_ERRORS:
            return None

    first = signatures[0] if signatures else ()
    return FeelFunction(name, tuple(param.rstrip("?") for param in first), call)
