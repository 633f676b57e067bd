"""The one place Baton runs code that comes from an uploaded model.

Why it is sandboxed: script tasks, pre/post scripts and gateway conditions are Python written by
whoever can deploy a model. SpiffWorkflow would run them with plain eval/exec, and a restricted
set of builtins alone is escapable (`().__class__.__base__.__subclasses__()`). Here every piece
of code is checked and rewritten at compile time (`sandbox_policy`: no imports, no `_` names or
attributes, no frame/format tricks, guarded operators), runs against a whitelist of builtins
(`sandbox_allowlist`) and guard functions (`sandbox_guards`), under a per-thread tracer
(`sandbox_meter`) that enforces a time limit and a recursion limit, with size checks on the
operations that can allocate hugely in one step. What a script leaves behind must be JSON-ish
data, so nothing live (functions, sets, objects) reaches the workflow's stored state.

Compiled code is cached per source text, so a condition evaluated on every step costs a dict
copy and one eval.
"""

from __future__ import annotations

import ast
import math
import textwrap
import types
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from app.engine.sandbox_allowlist import EXCEPT_TARGETS, SAFE_BUILTINS
from app.engine.sandbox_errors import (
    Abort,
    SandboxError,
    SandboxMemoryError,
    SandboxScriptError,
    SandboxSyntaxError,
    SandboxTimeout,
    SandboxViolation,
)
from app.engine.sandbox_guards import GUARDS, Run
from app.engine.sandbox_meter import SCRIPT_FILENAME, Limits
from app.engine.sandbox_policy import FORBIDDEN_NAMES, BatonPolicy
from app.engine.sandbox_sizes import measure
from app.engine.sandbox_template import render_template

__all__ = [
    "SandboxError",
    "SandboxMemoryError",
    "SandboxScriptError",
    "SandboxSyntaxError",
    "SandboxTimeout",
    "SandboxViolation",
    "check_expression",
    "check_script",
    "evaluate",
    "render_template",
    "run_script",
]

MAX_SOURCE_CHARS = 64_000
_PLAIN = (str, int, bool, type(None))
LIMITS = Limits()
_BUILTINS = {**SAFE_BUILTINS, **EXCEPT_TARGETS, **GUARDS}  # shared: the guards find their run per thread


def check_script(code: str) -> None:
    """Raise SandboxSyntaxError or SandboxViolation if `code` could not run as a script."""
    _compile(code, "exec")


def check_expression(expr: str) -> None:
    """Raise SandboxSyntaxError or SandboxViolation if `expr` could not run as a condition."""
    _compile(expr, "eval")


def run_script(code: str, variables: dict, *, helpers: dict | None = None, timeout: float = 2.0) -> dict:
    """Run `code` with `variables` as its namespace and return the variables it leaves.

    Names starting with "_" are invisible to the script and passed through unchanged. Nested
    values are shared with `variables`, so on error discard the input rather than reuse it.
    """
    compiled = _compile(code, "exec")
    run = Run(timeout, LIMITS)
    namespace, hidden = _namespace(variables, helpers)
    _execute(run, lambda: exec(compiled, namespace))  # noqa: S102 - compiled by the policy, run in the sandbox
    del namespace["__builtins__"]
    _check_output(namespace, LIMITS.budget_bytes)
    namespace.update(hidden)
    return namespace


def evaluate(expression: str, variables: dict, *, helpers: dict | None = None, timeout: float = 1.0) -> Any:
    """Evaluate one Python expression (a gateway condition, a data mapping) against `variables`."""
    compiled = _compile(expression, "eval")
    run = Run(timeout, LIMITS)
    namespace, _ = _namespace(variables, helpers)
    return _execute(run, lambda: eval(compiled, namespace))  # noqa: S307 - compiled by the policy, run in the sandbox


@lru_cache(maxsize=4096)
def _compile(source: str, mode: str) -> types.CodeType:
    if len(source) > MAX_SOURCE_CHARS:
        raise SandboxViolation(f"code is {len(source):,} characters, over the limit of {MAX_SOURCE_CHARS:,}")
    text = source.strip() if mode == "eval" else textwrap.dedent(source)
    try:
        tree = ast.parse(text, SCRIPT_FILENAME, mode)
        tree = BatonPolicy().visit(tree)
    except SyntaxError as exc:
        raise SandboxSyntaxError(exc.msg, exc.lineno)
    except (RecursionError, MemoryError):
        raise SandboxViolation("code is nested too deeply")
    return compile(ast.fix_missing_locations(tree), SCRIPT_FILENAME, mode)


def _namespace(variables: dict, helpers: dict | None) -> tuple[dict, dict]:
    namespace: dict[str, Any] = {}
    hidden: dict[Any, Any] = {}
    for name, value in variables.items():
        (namespace if isinstance(name, str) and not name.startswith("_") else hidden)[name] = value
    namespace["__builtins__"] = {**_BUILTINS, **_checked_helpers(helpers)} if helpers else _BUILTINS
    return namespace, hidden


def _checked_helpers(helpers: dict) -> dict:
    for name, value in helpers.items():
        if not name.isidentifier() or name.startswith("_") or name in FORBIDDEN_NAMES:
            raise ValueError(f"helper name {name!r} is not allowed")
        if isinstance(value, types.ModuleType):
            raise TypeError(f"helper {name!r} is a module; pass its functions or a namespace instead")
    return helpers


def _execute(run: Run, body: Callable[[], Any]) -> Any:
    try:
        return run.run(body)
    except Abort as abort:
        error = abort.error
        if error.line is None:
            error = type(error)(error.message, _script_line(abort.__traceback__))
        raise error
    except RecursionError as exc:
        raise SandboxMemoryError("recursion too deep", _script_line(exc.__traceback__))
    except MemoryError as exc:
        raise SandboxMemoryError("out of memory", _script_line(exc.__traceback__))
    except Exception as exc:
        name = type(exc).__name__
        raise SandboxScriptError(f"{name}: {exc}", _script_line(exc.__traceback__), name)


def _script_line(tb: types.TracebackType | None) -> int | None:
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == SCRIPT_FILENAME:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _check_output(namespace: dict, budget: int) -> None:
    """Refuse anything but JSON-ish data, so nothing live reaches the stored workflow state."""
    for name, value in namespace.items():
        kind = type(value)
        if kind in _PLAIN or (kind is float and math.isfinite(value)):
            continue  # the common case, without the walk
        try:
            measure(value, budget, json_only=True)
        except SandboxError as exc:
            raise type(exc)(f"variable '{name}': {exc.message}")
