"""FEEL type names: `instance of` checks."""

from __future__ import annotations

from typing import Any

from app.engine.feel.values import type_name

_ALIASES = {
    "dateTime": "date and time",
    "dayTimeDuration": "days and time duration",
    "yearMonthDuration": "years and months duration",
}


def instance_of(value: Any, name: str) -> bool:
    name = _ALIASES.get(name, name)
    if name == "Any":
        return value is not None
    return type_name(value) == name
