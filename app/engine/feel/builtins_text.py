"""FEEL built-in string functions (DMN 1.5, 10.3.4.3)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from app.engine import patterns
from app.engine.feel.ops import MAX_STRING


def need(value: Any, *kinds: type) -> Any:
    """The argument itself, or TypeError (null for the caller) when it is not of `kinds`."""
    if type(value) not in kinds:
        raise TypeError(f"expected {kinds}, got {type(value).__name__}")
    return value


def _position(value: Any) -> int:
    number = need(value, Decimal)
    if number != number.to_integral_value():
        raise ValueError("position must be an integer")
    return int(number)


def substring(string: Any, start: Any, length: Any = None) -> str | None:
    text, begin = need(string, str), _position(start)
    if begin == 0 or abs(begin) > len(text) + (1 if begin > 0 else 0):
        return None
    first = begin - 1 if begin > 0 else len(text) + begin
    if length is None:
        return text[first:]
    count = need(length, Decimal)
    return text[first : first + int(count.to_integral_value())]


def substring_before(string: Any, match: Any) -> str:
    text, part = need(string, str), need(match, str)
    index = text.find(part)
    return text[:index] if index >= 0 else ""


def substring_after(string: Any, match: Any) -> str:
    text, part = need(string, str), need(match, str)
    index = text.find(part)
    return text[index + len(part) :] if index >= 0 else ""


def _flags(pattern: str, flags: str) -> tuple[str, int]:
    """An XPath pattern and flags as the regex module takes them (the common syntax agrees)."""
    value = 0
    for flag in flags:
        if flag not in patterns.FLAGS and flag != "q":
            raise ValueError(f"unknown regular expression flag {flag!r}")
        value |= patterns.FLAGS.get(flag, 0)
    return (re.escape(pattern) if "q" in flags else pattern), value


def matches(string: Any, pattern: Any, flags: Any = None) -> bool:
    text, value = _flags(need(pattern, str), need(flags, str, type(None)) or "")
    return patterns.search(text, need(string, str), value) is not None


def replace(string: Any, pattern: Any, replacement: Any, flags: Any = None) -> str:
    text, value = _flags(need(pattern, str), need(flags, str, type(None)) or "")
    template = re.sub(r"\$(\d+)", r"\\g<\1>", need(replacement, str))
    result = patterns.substitute(text, template, need(string, str), value)
    if len(result) > MAX_STRING:
        raise ValueError("string too long")
    return result


def split(string: Any, delimiter: Any) -> list[str]:
    return patterns.split(need(delimiter, str), need(string, str))


def string_join(items: Any, delimiter: Any = None, prefix: Any = None, suffix: Any = None) -> str:
    parts = [need(item, str) for item in need(items, list) if item is not None]
    joined = (need(delimiter, str, type(None)) or "").join(parts)
    return (need(prefix, str, type(None)) or "") + joined + (need(suffix, str, type(None)) or "")


def _text(function):
    return lambda string: function(need(string, str))


TEXT_FUNCTIONS = {
    "substring": ((("string", "start position", "length?"),), substring),
    "string length": ((("string",),), _text(lambda text: Decimal(len(text)))),
    "upper case": ((("string",),), _text(str.upper)),
    "lower case": ((("string",),), _text(str.lower)),
    "substring before": ((("string", "match"),), substring_before),
    "substring after": ((("string", "match"),), substring_after),
    "replace": ((("input", "pattern", "replacement", "flags?"),), replace),
    "contains": ((("string", "match"),), lambda s, m: need(m, str) in need(s, str)),
    "starts with": ((("string", "match"),), lambda s, m: need(s, str).startswith(need(m, str))),
    "ends with": ((("string", "match"),), lambda s, m: need(s, str).endswith(need(m, str))),
    "matches": ((("input", "pattern", "flags?"),), matches),
    "split": ((("string", "delimiter"),), split),
    "string join": ((("list", "delimiter?", "prefix?", "suffix?"),), string_join),
}
