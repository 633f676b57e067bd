"""What sandboxed code runs against: the guard functions the policy rewrites code into, and the
builtins that need a run's limits (`range`, `str`, `repr`, `sum`, `pow`, `isinstance`).

Each guard checks the size of what an operation would build before building it, charging the
run's meter (`sandbox_meter`); what the code may name and reach is in `sandbox_allowlist`.
"""

from __future__ import annotations

import builtins
import operator
import re
import sys
from collections.abc import Callable
from typing import Any

from RestrictedPython.Guards import guarded_iter_unpack_sequence, guarded_unpack_sequence

from app.engine.sandbox_allowlist import BLOCKED_ATTRIBUTES, FORBIDDEN_IDS, FORBIDDEN_TYPES, ISINSTANCE_TYPES
from app.engine.sandbox_errors import SandboxMemoryError, SandboxViolation
from app.engine.sandbox_meter import Meter, this_thread
from app.engine.sandbox_sizes import SIZED_STR_METHODS

_SEQUENCES = (str, bytes, list, tuple)
_NUMBERS = (int, float)
_PERCENT_SPEC = re.compile(r"%[-#0 +(\w)]*?(\*|\d+)?(?:\.(\*|\d+))?[a-zA-Z%]")


def _cost(value: Any) -> int:
    return len(value) if isinstance(value, (str, bytes)) else 8 * len(value)


class Run(Meter):
    """One sandboxed execution: its meter, and the guarded operations its code calls."""

    # -- operators the policy rewrites --------------------------------------------------------
    def mul(self, a: Any, b: Any) -> Any:
        if isinstance(a, int) and isinstance(b, int):
            self.check_int_bits(a.bit_length() + b.bit_length(), "this product")
        elif isinstance(a, _SEQUENCES) and isinstance(b, int):
            self.charge(_cost(a) * max(b, 0), "this repetition")
        elif isinstance(b, _SEQUENCES) and isinstance(a, int):
            self.charge(_cost(b) * max(a, 0), "this repetition")
        return a * b

    def pow(self, a: Any, b: Any, mod: Any = None) -> Any:
        if mod is not None:
            return pow(a, b, mod)  # modular exponentiation stays below `mod`
        if isinstance(a, int) and isinstance(b, int) and b > 0 and abs(a) > 1:
            self.check_int_bits(a.bit_length() * b if b < 10**9 else 10**18, "this power")
        return a**b

    def lshift(self, a: Any, b: Any) -> Any:
        if isinstance(a, int) and isinstance(b, int) and b > 0:
            self.check_int_bits(a.bit_length() + b if b < 10**18 else 10**18, "this shift")
        return a << b

    def add(self, a: Any, b: Any) -> Any:
        if isinstance(a, _SEQUENCES) and isinstance(b, _SEQUENCES):
            self.charge(_cost(a) + _cost(b), "this concatenation")
        return a + b

    def mod(self, a: Any, b: Any) -> Any:
        if isinstance(a, (str, bytes)):
            text = a.decode("latin-1") if isinstance(a, bytes) else a
            for match in _PERCENT_SPEC.finditer(text):
                if "*" in match.group(0):
                    self.abort(SandboxViolation("'*' widths in % formatting are not allowed"))
                self.check_format_spec(match.group(0))
            self.check_render(b)
            self.charge(len(a), "this formatting")
        return a % b

    def inplacevar(self, op: str, a: Any, b: Any) -> Any:
        if op == "+=" and isinstance(a, _SEQUENCES) and isinstance(b, (*_SEQUENCES, range, dict, set)):
            added = _cost(b) if isinstance(b, _SEQUENCES) else 8 * len(b)
            self.charge(_cost(a) + added, "this concatenation")
        elif op in _CHECKED_INPLACE:
            return _CHECKED_INPLACE[op](self, a, b)
        return _INPLACE[op](a, b)

    def inplaceitem(self, target: Any, key: Any, op: str, value: Any) -> None:
        container = self.write(target)
        container[key] = self.inplacevar(op, container[key], value)

    def fstr(self, value: Any, conversion: int, spec: str) -> str:
        """One `{value!conv:spec}` field of an f-string, with the width and the size checked."""
        self.check_format_spec(spec)
        self.check_render(value)
        if conversion == ord("r"):
            value = repr(value)
        elif conversion == ord("a"):
            value = ascii(value)
        elif conversion == ord("s"):
            value = str(value)
        return format(value, spec)

    # -- attribute, item and write access -----------------------------------------------------
    def getattr(self, obj: Any, name: str) -> Any:
        if not isinstance(name, str) or name.startswith("_") or name in BLOCKED_ATTRIBUTES:
            self.abort(SandboxViolation(f"access to '{name}' is not allowed"))
        value = getattr(obj, name)
        if type(obj) is list and name == "extend":
            return self.extender(obj)
        if isinstance(obj, (str, bytes)) and name in SIZED_STR_METHODS:
            return SIZED_STR_METHODS[name](self, obj)
        if isinstance(value, FORBIDDEN_TYPES) or id(value) in FORBIDDEN_IDS:
            self.abort(SandboxViolation(f"access to '{name}' is not allowed ({type(value).__name__})"))
        return value

    def write(self, obj: Any) -> Any:
        if type(obj) not in (dict, list):
            self.abort(SandboxViolation(f"a {type(obj).__name__} cannot be changed in place"))
        return _ListWrites(self, obj) if type(obj) is list else obj

    # -- what grows a list from others: one C call can double it ------------------------------
    def extender(self, target: list) -> Callable[[Any], None]:
        def extend(items: Any) -> None:
            items = _sized(items)
            self.grow(len(target), len(items), "this extend()")
            target.extend(items)

        return extend

    def unpacked(self, items: Any) -> Any:
        """`*items` in a list, tuple or set display or a call."""
        items = _sized(items)
        self.charge(8 * len(items), "this unpacking")
        return items

    # -- guarded builtins ---------------------------------------------------------------------
    def range(self, *args: int) -> range:
        result = range(*args)
        try:
            length = len(result)
        except OverflowError:
            length = sys.maxsize
        if length > self.limits.max_range:
            self.abort(
                SandboxMemoryError(
                    f"range of {length:,} numbers is over the limit of {self.limits.max_range:,}"
                )
            )
        return result

    def str(self, value: Any = "", *args: Any) -> str:
        if args:
            return str(value, *args)  # decoding bytes: the size is the input's
        self.check_render(value)
        return str(value)

    def repr(self, value: Any) -> builtins.str:  # in this class body `str` is the method above
        self.check_render(value)
        return repr(value)

    def sum(self, iterable: Any, start: Any = 0) -> Any:
        if not isinstance(start, (int, float)):
            self.abort(SandboxViolation("sum() only adds numbers; use ''.join() or a comprehension"))
        return sum(iterable, start)

    def isinstance(self, obj: Any, types_: Any) -> bool:
        wanted = types_ if isinstance(types_, tuple) else (types_,)
        real = tuple(_REAL_TYPES.get(t, t) if callable(t) else t for t in wanted)
        allowed = tuple(t for t in real if isinstance(t, type) and t in ISINSTANCE_TYPES)
        if len(allowed) != len(real):
            self.abort(SandboxViolation("isinstance() only accepts the builtin value types"))
        return isinstance(obj, allowed)


class _ListWrites:
    """What `x[key] = value` and `del x[key]` reach when `x` is a list (the policy writes them as
    `_write_(x)[key]`): a slice store can grow it, so that is checked as extend() is."""

    __slots__ = ("run", "target")

    def __init__(self, run: Run, target: list):
        self.run, self.target = run, target

    def __getitem__(self, key: Any) -> Any:
        return self.target[key]

    def __setitem__(self, key: Any, value: Any) -> None:
        if isinstance(key, slice):
            value = _sized(value)
            self.run.grow(len(self.target), len(value), "this slice assignment")
        self.target[key] = value

    def __delitem__(self, key: Any) -> None:
        del self.target[key]


def _sized(items: Any) -> Any:
    # An iterator's items are taken one by one first (a generator of the script's is timed as it runs).
    return items if isinstance(items, (list, tuple, str, dict, range, set, frozenset)) else list(items)


def _apply(func: Callable, *args: Any, **kwargs: Any) -> Any:
    return func(*args, **kwargs)


_INPLACE = {
    "+=": operator.iadd,
    "-=": operator.isub,
    "*=": operator.imul,
    "/=": operator.itruediv,
    "//=": operator.ifloordiv,
    "%=": operator.imod,
    "**=": operator.ipow,
    "<<=": operator.ilshift,
    ">>=": operator.irshift,
    "|=": operator.ior,
    "^=": operator.ixor,
    "&=": operator.iand,
    "@=": operator.imatmul,
}
_CHECKED_INPLACE: dict[str, Callable[[Run, Any, Any], Any]] = {
    "*=": Run.mul,
    "**=": Run.pow,
    "<<=": Run.lshift,
    "%=": Run.mod,
}


def _on_current_run(method: Callable) -> Callable:
    """A guard that calls `method` on the run of this thread, so the builtins can be shared."""

    def guard(*args: Any) -> Any:
        return method(this_thread.run, *args)

    guard.__name__ = guard.__qualname__ = method.__name__
    return guard


def _mul_(a: Any, b: Any) -> Any:
    """`a * b`; plain numbers of ordinary size skip the checks, as they are most of what scripts do."""
    ta, tb = type(a), type(b)
    if (
        (ta is float and tb in _NUMBERS)
        or (tb is float and ta in _NUMBERS)
        or (ta is int and tb is int and a.bit_length() + b.bit_length() < 4096)
    ):
        return a * b
    return this_thread.run.mul(a, b)


def _add_(a: Any, b: Any) -> Any:
    """`a + b`; numbers cannot grow dangerously by adding, so only sequences are checked."""
    if type(a) in _NUMBERS and type(b) in _NUMBERS:
        return a + b
    return this_thread.run.add(a, b)


# The names the policy's rewritten code calls, and the builtins that need the run's limits.
GUARDS: dict[str, Any] = {
    "_getitem_": operator.getitem,
    "_getiter_": iter,
    "_apply_": _apply,
    "_unpack_sequence_": guarded_unpack_sequence,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    **{
        f"_{name}_": _on_current_run(getattr(Run, name))
        for name in (
            "getattr",
            "write",
            "inplacevar",
            "inplaceitem",
            "pow",
            "lshift",
            "mod",
            "fstr",
            "unpacked",
        )
    },
    "_mul_": _mul_,
    "_add_": _add_,
    **{
        name: _on_current_run(getattr(Run, name))
        for name in ("range", "str", "repr", "sum", "pow", "isinstance")
    },
}
_REAL_TYPES = {GUARDS["str"]: str, GUARDS["range"]: range}  # what `isinstance(x, str)` means
