"""Regular expressions from models, run on text anyone may send, within a time limit.

A model's pattern (FEEL's matches(), replace() and split(); a form field's pattern) meets values
people type. Python's re backtracks without bound: `^(a+)+$` against 28 a's and a b runs for
minutes, in C, holding the GIL, where no time limit set in Python can stop it, so one crafted form
value could hold a server thread or a worker for as long as it liked. The regex module reads the
same syntax (and XPath's and JavaScript's `\\p{L}` classes besides), avoids most runaway
backtracking outright, and stops what remains at `TIME_LIMIT` with an error naming the pattern.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

import regex

TIME_LIMIT = 0.25  # seconds per match: a sane pattern needs microseconds on any form value

FLAGS = {"i": regex.IGNORECASE, "s": regex.DOTALL, "m": regex.MULTILINE, "x": regex.VERBOSE}
error = regex.error


class PatternTooSlow(RuntimeError):
    """The pattern ran past the time limit on this text: an error, not FEEL's null for a bad argument
    (a decision would go on with a null the model never meant)."""

    def __init__(self, pattern: str):
        super().__init__(
            f"the pattern {pattern!r} took longer than {TIME_LIMIT} s on this text "
            "(it backtracks without bound: rewrite it without nested repetition)"
        )


@lru_cache(maxsize=512)
def compiled(pattern: str, flags: int = 0) -> regex.Pattern:
    """`pattern` compiled (regex.error if it is no regular expression)."""
    return regex.compile(pattern, flags)


@contextmanager
def _in_time(pattern: str) -> Iterator[None]:
    try:
        yield
    except TimeoutError:
        raise PatternTooSlow(pattern) from None


def search(pattern: str, text: str, flags: int = 0, whole: bool = False):
    """The first match of `pattern` in `text` (all of `text` when `whole`), or None."""
    found = compiled(pattern, flags)
    with _in_time(pattern):
        return (found.fullmatch if whole else found.search)(text, timeout=TIME_LIMIT)


def substitute(pattern: str, template: str, text: str, flags: int = 0, count: int = 0) -> str:
    with _in_time(pattern):
        return compiled(pattern, flags).sub(template, text, count=count, timeout=TIME_LIMIT)


def split(pattern: str, text: str) -> list[str]:
    with _in_time(pattern):
        return compiled(pattern).split(text, timeout=TIME_LIMIT)


def find_all(pattern: str, text: str) -> list[str]:
    """Every match of `pattern` in `text`, whole (feel-scala's extract())."""
    with _in_time(pattern):
        return [match.group(0) for match in compiled(pattern).finditer(text, timeout=TIME_LIMIT)]
