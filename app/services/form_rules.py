"""The rules both kinds of form share: bounds and patterns, with the messages the inbox shows."""

from __future__ import annotations

import math

from app.engine import patterns


def collect(checks) -> tuple[dict, dict]:
    """Run a form's checks, each (path, check): the values to store (nested by path, None stores
    nothing) and the messages of the checks that raised ValueError, by dotted path."""
    clean: dict = {}
    errors: dict = {}
    for path, check in checks:
        try:
            value = check()
        except ValueError as exc:
            errors[".".join(path)] = str(exc)
            continue
        if value is not None:
            node = clean
            for name in path[:-1]:
                node = node.setdefault(name, {})
            node[path[-1]] = value
    return clean, errors


def bounds(measure, low, high, unit: str) -> None:
    """Refuse `measure` outside [low, high]; a bound that is not a number is no bound (deploy warns)."""
    low, high = _number(low), _number(high)
    if low is not None and measure < low:
        raise ValueError("Must be at least " + unit.format(_shown(low)) + ".")
    if high is not None and measure > high:
        raise ValueError("Must be at most " + unit.format(_shown(high)) + ".")


def matches(pattern, value: str, whole: bool = False) -> None:
    """Refuse `value` unless `pattern` matches: all of it (`whole`, as Java's String.matches and an
    HTML pattern do, for generated forms), or anywhere in it (form-js: JavaScript's RegExp.test)."""
    if not pattern or not isinstance(pattern, str):
        return
    try:
        found = patterns.search(pattern, value, whole=whole)
    except patterns.error:
        return  # refused at deploy; a stored one that no longer compiles checks nothing
    except patterns.PatternTooSlow:
        raise ValueError(f"Could not be checked against the pattern {pattern} in time.") from None
    if found is None:
        raise ValueError(f"Must match the pattern {pattern}.")


def _number(text):
    try:
        number = float(text)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _shown(number: float):
    return int(number) if float(number).is_integer() else number
