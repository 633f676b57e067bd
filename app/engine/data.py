"""Task data rules: JSON values only, copied at every hand-over, merged without surprises.

SpiffWorkflow 3.2 merges task data with `util/deep_merge.DeepMerge`, which de-duplicates lists and
ignores their order (four appends of 5 leave `[5]`) and copies only one level deep, so a later
script that mutates a nested list rewrites the data of tasks that already completed. Baton's
rules, applied by `app.engine.fixes`:

- a value handed from one task to the next is a fresh copy: completed history never changes;
- a list is a value like any other: a merge replaces it whole, keeping order and duplicates;
- at a parallel or inclusive join, each branch contributes what it changed relative to the data
  at the split, in the order the branches arrived: when two branches write the same variable,
  the branch that completed last wins;
- variables are JSON values (object with string keys, array, string, finite number, boolean,
  null); anything else fails the task that produced it.
"""

from __future__ import annotations

import math

_SCALARS = (str, int, bool, type(None))


def copy_value(value):
    """A copy of a JSON tree (several times faster than copy.deepcopy on task data)."""
    kind = type(value)
    if kind is dict:
        return {k: copy_value(v) for k, v in value.items()}
    if kind is list:
        return [copy_value(v) for v in value]
    return value


def merge(target: dict, source: dict) -> dict:
    """Copy every variable of `source` that differs into `target`; lists are replaced whole."""
    for key, value in source.items():
        if key not in target or target[key] != value:
            target[key] = copy_value(value)
    return target


def merge_branches(base: dict, branches: list[dict]) -> dict:
    """The join rule: start from the split's data, apply each branch's changes in arrival order."""
    result = copy_value(base)
    for branch in branches:
        for key, value in branch.items():
            if key not in base or base[key] != value:
                result[key] = copy_value(value)
        for key in base:
            if key not in branch:
                result.pop(key, None)
    return result


def why_unstorable(text: str) -> str | None:
    """Why no text column can hold `text` (PostgreSQL's text and json refuse NUL; UTF-8 has no lone
    surrogates, which a JSON string can spell as `\\ud800`), or None."""
    if "\x00" in text:
        return "contains the character NUL (\\u0000)"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "contains a lone surrogate (\\ud800 to \\udfff), which is no Unicode text"
    return None


def json_problem(data: dict) -> str | None:
    """Why `data` is not a JSON object of variables (naming the variable), or None if it is."""
    for name, value in data.items():
        problem = _value_problem(value, name)
        if problem:
            return problem
    return None


def _value_problem(value, path: str) -> str | None:
    kind = type(value)
    if kind in _SCALARS:
        return None
    if kind is float:
        return None if math.isfinite(value) else f"variable '{path}' is {value}, which JSON cannot hold"
    if kind is list:
        return next((p for i, v in enumerate(value) if (p := _value_problem(v, f"{path}[{i}]"))), None)
    if kind is dict:
        for key, item in value.items():
            if not isinstance(key, str):
                return f"variable '{path}' has a key {key!r} that is not a string"
            problem = _value_problem(item, f"{path}.{key}")
            if problem:
                return problem
        return None
    return f"variable '{path}' is a {kind.__name__}, which is not a JSON value"
