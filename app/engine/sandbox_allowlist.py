"""What sandboxed code may name and what it may not reach: the whitelisted builtins (with a
read-only `math`), the exception classes an `except` clause may catch, the types `isinstance`
accepts, and the attributes, types and builtins a guarded attribute read refuses.
"""

from __future__ import annotations

import math
import sys
import types
from datetime import date, datetime, timedelta, timezone
from typing import Any

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
FORBIDDEN_TYPES = (types.ModuleType, types.FrameType, types.CodeType, types.TracebackType, type(sys.flags))
FORBIDDEN_IDS = frozenset(
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
ISINSTANCE_TYPES = frozenset(
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
