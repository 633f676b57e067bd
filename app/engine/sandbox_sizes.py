"""Sizes: how big a value would be as text, and the str methods whose result size depends on
their arguments. Used by the guards to refuse an allocation before it is made."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from app.engine.sandbox_errors import SandboxMemoryError, SandboxViolation

_END = object()
JSON_SCALARS = (bool, int, float, type(None), datetime, date, timedelta)


def measure(root: Any, limit: int, *, json_only: bool = False) -> int:
    """About how many bytes `root` takes as text (repr or JSON); raise SandboxMemoryError past `limit`.

    Shared containers are measured once and counted each time they appear (as the text would
    repeat them), so `l = [l, l]` nesting is caught in linear time; cycles are refused. With
    `json_only`, anything but JSON data and dates raises SandboxViolation.
    """
    memo: dict[int, int] = {}
    frames: list[list] = []
    on_path: set[int] = set()

    def open_(item: Any) -> int | None:
        kind = type(item)
        if kind is str or kind is bytes:
            return len(item) + 2
        if kind is dict or kind is list or kind is tuple or (not json_only and kind in (set, frozenset)):
            key = id(item)
            if key in memo:
                return memo[key]
            if key in on_path:
                raise SandboxViolation("the value contains itself")
            size = 2 + len(item)
            if kind is dict:
                for k in item:
                    if json_only and type(k) not in (str, int, float, bool):
                        raise SandboxViolation(f"a dict key is a {type(k).__name__}; JSON keys are strings")
                    size += len(k) + 2 if type(k) is str else 24
            on_path.add(key)
            frames.append([item, iter(item.values() if kind is dict else item), size])
            return None
        if kind is int:
            return item.bit_length() // 3 + 2
        if kind is float and json_only and not math.isfinite(item):
            raise SandboxViolation(f"{item} cannot be stored as JSON")
        if json_only and kind not in JSON_SCALARS:
            raise SandboxViolation(f"a {kind.__name__} cannot be stored; only JSON data and dates can")
        return 40

    total = open_(root)
    while frames:
        frame = frames[-1]
        child = next(frame[1], _END)
        if child is _END:
            frames.pop()
            on_path.discard(id(frame[0]))
            memo[id(frame[0])] = frame[2]
            if not frames:
                total = frame[2]
                break
            size, frame = frame[2], frames[-1]
        else:
            size = open_(child)
            if size is None:
                continue
        frame[2] += size
        if frame[2] > limit:
            raise SandboxMemoryError(f"the value would be over {limit:,} bytes as text")
    if total is not None and total > limit:
        raise SandboxMemoryError(f"the value would be over {limit:,} bytes as text")
    return total or 0


def _sized(check: Callable[[Any, Any, tuple, dict], int], method: str) -> Callable[[Any, Any], Callable]:
    """Wrap a str/bytes method whose result size depends on its arguments (join, replace ...)."""

    def bind(run: Any, text: Any) -> Callable:
        def call(*args: Any, **kwargs: Any) -> Any:
            if method == "join":
                args = (list(args[0]),)
            run.charge(check(run, text, args, kwargs), f"the result of .{method}()")
            return getattr(text, method)(*args, **kwargs)

        return call

    return bind


def _join_size(run: Any, text: Any, args: tuple, kwargs: dict) -> int:
    items = args[0]
    return sum(len(i) for i in items if isinstance(i, (str, bytes))) + len(text) * len(items)


def _replace_size(run: Any, text: Any, args: tuple, kwargs: dict) -> int:
    old, new = args[0], args[1]
    return len(text) + text.count(old) * max(len(new) - len(old), 0)


def _width_size(run: Any, text: Any, args: tuple, kwargs: dict) -> int:
    width = args[0] if args else kwargs.get("width", 0)
    return max(len(text), width if isinstance(width, int) else 0)


def _tabs_size(run: Any, text: Any, args: tuple, kwargs: dict) -> int:
    tabsize = args[0] if args else kwargs.get("tabsize", 8)
    return len(text) * max(tabsize if isinstance(tabsize, int) else 8, 1)


def _translate_size(run: Any, text: Any, args: tuple, kwargs: dict) -> int:
    table = args[0] if args else None
    longest = (
        max((len(v) for v in table.values() if isinstance(v, str)), default=1)
        if isinstance(table, dict)
        else 1
    )
    return len(text) * max(longest, 1)


SIZED_STR_METHODS = {
    name: _sized(check, name)
    for name, check in [
        ("join", _join_size),
        ("replace", _replace_size),
        ("center", _width_size),
        ("ljust", _width_size),
        ("rjust", _width_size),
        ("zfill", _width_size),
        ("expandtabs", _tabs_size),
        ("translate", _translate_size),
    ]
}
