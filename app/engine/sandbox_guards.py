"""What sandboxed code runs against: the guard functions the policy rewrites code into, the
whitelisted builtins, and the per-thread tracer that enforces the time and recursion limits.

Memory is bounded per operation, not per process (an rlimit would hit the whole server): the
operations that can build a huge value in one C call (`*`, `**`, `<<`, `+`, `%`, f-string
widths, `str()`, `join`, `replace`, `center` ...) go through checks that refuse a result over
`Limits.max_bytes` before it is built, and each run has an allocation budget across them.
Python-level loops that grow a list one item at a time are bounded by the time limit.
"""

from __future__ import annotations

import builtins
import math
import operator
import re
import sys
import threading
import time
import types
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any, NoReturn

from RestrictedPython.Guards import guarded_iter_unpack_sequence, guarded_unpack_sequence

from app.engine.sandbox_errors import (
    Abort,
    SandboxError,
    SandboxMemoryError,
    SandboxTimeout,
    SandboxViolation,
)
from app.engine.sandbox_sizes import SIZED_STR_METHODS, measure

SCRIPT_FILENAME = "<baton-script>"
TEMPLATE_FILENAME = "<template>"  # what Jinja names the code it compiles from a string


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 16_000_000  # one string, or 8 bytes per item of a list/tuple
    budget_bytes: int = 64_000_000  # everything the guarded operations build in one run
    max_int_bits: int = 100_000  # about 30,000 decimal digits
    max_range: int = 1_000_000
    max_depth: int = 100  # nested calls of sandboxed functions
    max_format_width: int = 10_000


DEFAULT_LIMITS = Limits()
_current = threading.local()  # the Run whose script this thread is executing
_SEQUENCES = (str, bytes, list, tuple)
_NUMBERS = (int, float)
_FORMAT_NUMBERS = re.compile(r"\d+")
_PERCENT_SPEC = re.compile(r"%[-#0 +(\w)]*?(\*|\d+)?(?:\.(\*|\d+))?[a-zA-Z%]")


def _cost(value: Any) -> int:
    return len(value) if isinstance(value, (str, bytes)) else 8 * len(value)


class Run:
    """State of one sandboxed execution on one thread: deadline, call depth, allocation budget."""

    def __init__(self, timeout: float, limits: Limits = DEFAULT_LIMITS, filename: str = SCRIPT_FILENAME):
        self.deadline = time.monotonic() + timeout
        self.timeout = timeout
        self.limits = limits
        self.filename = filename
        self.depth = 0
        self.spent = 0

    # -- the tracer ---------------------------------------------------------------------------
    def trace(self, frame: types.FrameType, event: str, arg: Any) -> Callable | None:
        if frame.f_code.co_filename != self.filename:
            return None  # trusted code (guards, helpers) is not traced line by line
        self.depth += 1
        if self.depth > self.limits.max_depth:
            message = f"recursion deeper than {self.limits.max_depth} calls"
            self.abort(SandboxMemoryError(message, frame.f_lineno))
        if time.monotonic() > self.deadline:
            self.abort(SandboxTimeout(f"ran longer than {self.timeout:g} s", frame.f_lineno))
        return self.trace_lines

    def trace_lines(self, frame: types.FrameType, event: str, arg: Any) -> Callable | None:
        if event == "return":
            self.depth -= 1
        elif time.monotonic() > self.deadline:
            self.abort(SandboxTimeout(f"ran longer than {self.timeout:g} s", frame.f_lineno))
        return self.trace_lines

    def abort(self, error: SandboxError) -> NoReturn:
        raise Abort(error)

    def run(self, func: Callable[[], Any]) -> Any:
        """Call `func` with this run's tracer installed on the current thread, then restore."""
        previous, previous_run = sys.gettrace(), getattr(_current, "run", None)
        _current.run = self
        sys.settrace(self.trace)
        try:
            return func()
        finally:
            sys.settrace(previous)
            _current.run = previous_run

    # -- size checks --------------------------------------------------------------------------
    def charge(self, size: int, what: str) -> None:
        if size > self.limits.max_bytes:
            self.abort(
                SandboxMemoryError(
                    f"{what} would be {size:,} bytes, over the limit of {self.limits.max_bytes:,}"
                )
            )
        self.spent += size
        if self.spent > self.limits.budget_bytes:
            self.abort(SandboxMemoryError(f"the script built more than {self.limits.budget_bytes:,} bytes"))

    def check_int_bits(self, bits: int, what: str) -> None:
        if bits > self.limits.max_int_bits:
            self.abort(
                SandboxMemoryError(
                    f"{what} would have about {bits:,} bits, over the limit of {self.limits.max_int_bits:,}"
                )
            )

    def check_render(self, value: Any) -> None:
        """Refuse to turn `value` into text if the text would be over the limit.

        Needed because a small list can hold the same long string a million times.
        """
        try:
            size = measure(value, self.limits.max_bytes)
        except SandboxError as exc:
            self.abort(exc)
        self.charge(size, "the text of this value")

    def check_format_spec(self, spec: str) -> None:
        for number in _FORMAT_NUMBERS.findall(spec):
            if len(number) > 6 or int(number) > self.limits.max_format_width:
                self.abort(
                    SandboxMemoryError(
                        f"format width or precision {number} is over the limit of "
                        f"{self.limits.max_format_width}"
                    )
                )

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
        if isinstance(obj, (str, bytes)) and name in SIZED_STR_METHODS:
            return SIZED_STR_METHODS[name](self, obj)
        if isinstance(value, _FORBIDDEN_TYPES) or id(value) in _FORBIDDEN_IDS:
            self.abort(SandboxViolation(f"access to '{name}' is not allowed ({type(value).__name__})"))
        return value

    def write(self, obj: Any) -> Any:
        if type(obj) not in (dict, list):
            self.abort(SandboxViolation(f"a {type(obj).__name__} cannot be changed in place"))
        return obj

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
        allowed = tuple(t for t in real if isinstance(t, type) and t in _ISINSTANCE_TYPES)
        if len(allowed) != len(real):
            self.abort(SandboxViolation("isinstance() only accepts the builtin value types"))
        return isinstance(obj, allowed)


def _apply(func: Callable, *args: Any, **kwargs: Any) -> Any:
    return func(*args, **kwargs)


# Names that are not underscored but reach frames, code, or the type hierarchy, plus str.format,
# whose replacement fields walk attributes ('{0.__class__}') without going through _getattr_.
BLOCKED_ATTRIBUTES = frozenset(
    {
        "format",
        "format_map",
        "mro",
        "gi_frame",
        "gi_code",
        "gi_yieldfrom",
        "gi_running",
        "gi_suspended",
        "cr_frame",
        "cr_code",
        "cr_await",
        "cr_origin",
        "ag_frame",
        "ag_code",
        "ag_await",
        "f_back",
        "f_builtins",
        "f_code",
        "f_globals",
        "f_locals",
        "f_trace",
        "f_generator",
        "tb_frame",
        "tb_next",
        "co_code",
        "func_globals",
        "func_code",
        "im_func",
        "im_self",
        "with_traceback",
    }
)
_FORBIDDEN_TYPES = (types.ModuleType, types.FrameType, types.CodeType, types.TracebackType, type(sys.flags))
_FORBIDDEN_IDS = frozenset(
    id(f)
    for f in (
        getattr,
        setattr,
        delattr,
        eval,
        exec,
        compile,
        open,
        vars,
        globals,
        locals,
        __import__,
        breakpoint,
        input,
        help,
        type,
        object,
        super,
        memoryview,
        bytearray,
        dir,
        iter,
        print,
        format,
    )
)
_ISINSTANCE_TYPES = frozenset(
    {
        int,
        float,
        complex,
        bool,
        str,
        bytes,
        list,
        dict,
        tuple,
        set,
        frozenset,
        type(None),
        range,
        date,
        datetime,
        timedelta,
    }
)


class _Namespace(types.SimpleNamespace):
    """A read-only bag of helper functions, e.g. `math.floor`, that is not a module."""

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(name)


SAFE_MATH = _Namespace(
    **{
        name: getattr(math, name)
        for name in (
            "ceil",
            "floor",
            "trunc",
            "fabs",
            "sqrt",
            "exp",
            "log",
            "log10",
            "log2",
            "isclose",
            "isfinite",
            "isnan",
            "isinf",
            "fsum",
            "gcd",
            "pi",
            "e",
            "inf",
            "nan",
            "sin",
            "cos",
            "tan",
        )
    }
)

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

# Builtins that cannot build anything big or reach anything private; the sized ones come from Run.
SAFE_BUILTINS: dict[str, Any] = {
    **{
        f.__name__: f
        for f in (
            len,
            min,
            max,
            abs,
            round,
            sorted,
            reversed,
            enumerate,
            zip,
            map,
            filter,
            any,
            all,
            divmod,
            list,
            dict,
            tuple,
            set,
            frozenset,
            int,
            float,
            bool,
            chr,
            ord,
            hex,
            oct,
            bin,
            hash,
            callable,
            slice,
            ascii,
        )
    },
    "None": None,
    "True": True,
    "False": False,
    "datetime": datetime,
    "date": date,
    "timedelta": timedelta,
    "timezone": timezone,
    "math": SAFE_MATH,
    **{
        e.__name__: e
        for e in (
            Exception,
            ArithmeticError,
            LookupError,
            ValueError,
            TypeError,
            KeyError,
            IndexError,
            ZeroDivisionError,
            AttributeError,
            NameError,
            OverflowError,
            AssertionError,
            RuntimeError,
        )
    },
}
# What the policy lets an `except` clause name; the policy rewrites `except X` to `_except_X`,
# a name a script can neither assign nor shadow, so matching never runs script code.
EXCEPTION_NAMES = frozenset(
    n for n, v in SAFE_BUILTINS.items() if isinstance(v, type) and issubclass(v, Exception)
)
EXCEPT_TARGETS = {f"_except_{n}": SAFE_BUILTINS[n] for n in EXCEPTION_NAMES}


def _on_current_run(method: Callable) -> Callable:
    """A guard that calls `method` on the run of this thread, so the builtins can be shared."""

    def guard(*args: Any) -> Any:
        return method(_current.run, *args)

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
    return _current.run.mul(a, b)


def _add_(a: Any, b: Any) -> Any:
    """`a + b`; numbers cannot grow dangerously by adding, so only sequences are checked."""
    if type(a) in _NUMBERS and type(b) in _NUMBERS:
        return a + b
    return _current.run.add(a, b)


# The names the policy's rewritten code calls, and the builtins that need the run's limits.
GUARDS: dict[str, Any] = {
    "_getitem_": operator.getitem,
    "_getiter_": iter,
    "_apply_": _apply,
    "_unpack_sequence_": guarded_unpack_sequence,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    **{
        f"_{name}_": _on_current_run(getattr(Run, name))
        for name in ("getattr", "write", "inplacevar", "inplaceitem", "pow", "lshift", "mod", "fstr")
    },
    "_mul_": _mul_,
    "_add_": _add_,
    **{
        name: _on_current_run(getattr(Run, name))
        for name in ("range", "str", "repr", "sum", "pow", "isinstance")
    },
}
_REAL_TYPES = {GUARDS["str"]: str, GUARDS["range"]: range}  # what `isinstance(x, str)` means
