"""The meter every sandboxed run is held to: a per-thread tracer that enforces the time and
recursion limits, and the byte accounting the size checks charge against.

Memory is bounded per operation, not per process (an rlimit would hit the whole server): the
operations that can build a huge value in one C call (`*`, `**`, `<<`, `+`, `%`, f-string
widths, `str()`, `join`, `replace`, `center` ..., and what grows a list in place or builds
one from others: `extend`, a slice store, `*` unpacking) go through checks (`sandbox_guards`)
that refuse a result over `Limits.max_bytes` before it is built, and each run has an allocation
budget across them. Python-level loops that grow a list one item at a time are bounded by the
time limit.
"""

from __future__ import annotations

import re
import sys
import threading
import time
import types
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NoReturn

from app.engine.sandbox_errors import Abort, SandboxError, SandboxMemoryError, SandboxTimeout
from app.engine.sandbox_sizes import measure

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
this_thread = threading.local()  # `.run`: the Run whose script this thread is executing
_FORMAT_NUMBERS = re.compile(r"\d+")


class Meter:
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
        previous, previous_run = sys.gettrace(), getattr(this_thread, "run", None)
        this_thread.run = self
        sys.settrace(self.trace)
        try:
            return func()
        finally:
            sys.settrace(previous)
            this_thread.run = previous_run

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

    def grow(self, items: int, added: int, what: str) -> None:
        """A list of `items` growing in place by `added`: the list it becomes is held to max_bytes
        (8 bytes an item) and only the addition is charged, so many small additions stay cheap."""
        if 8 * (items + added) > self.limits.max_bytes:
            self.abort(
                SandboxMemoryError(
                    f"{what} would make a list of {items + added:,} items, over the limit of "
                    f"{self.limits.max_bytes // 8:,}"
                )
            )
        self.charge(8 * added, what)

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
