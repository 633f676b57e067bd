"""Turning FEEL text into a lark tree.

The grammar (feel.lark) reads a name as one or more words in a row, which covers names with
spaces such as `Monthly Salary`. Names that the grammar cannot read that way, because they hold
a keyword (`date and time`) or an operator character (`Approved/Declined`), are known in advance
(the built-ins, and the variable names the caller passes), so before lexing each occurrence
outside string literals is replaced by one placeholder word, mapped back when the tree is built.
So is a name in backticks, feel-scala's way to write any name (`order-id`, `a b.c`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from lark import Lark, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from app.engine.expression_errors import ExpressionError

_KEYWORDS = {
    "and",
    "or",
    "in",
    "if",
    "then",
    "else",
    "for",
    "return",
    "some",
    "every",
    "satisfies",
    "between",
    "function",
    "true",
    "false",
    "null",
    "not",
}
_SIMPLE_NAME = re.compile(r"[^\W\d][\w']*(?: +[^\W\d][\w']*)*")
_STRING = re.compile(r'"(?:\\.|[^"\\])*"')
PLACEHOLDER = "__feel_name_{}__"
_BACKTICKED = r"`([^`]+)`"
# Built-in function names the grammar cannot read as plain words.
BUILTIN_SPECIAL_NAMES = ("date and time", "years and months duration", "get or else")


class FeelSyntaxError(ExpressionError):
    """The text is not FEEL; `position` is the 0-based offset where reading stopped."""

    def __init__(self, message: str, expression: str, position: int | None = None):
        where = f" at position {position}" if position is not None else ""
        super().__init__(f"FEEL syntax error{where}: {message}", expression)
        self.message = message
        self.position = position


@lru_cache(maxsize=1)
def _parser() -> Lark:
    grammar = (Path(__file__).parent / "feel.lark").read_text(encoding="utf-8")
    return Lark(
        grammar,
        parser="lalr",
        start=["expression", "unary_tests"],
        propagate_positions=False,
        maybe_placeholders=True,
    )


def needs_placeholder(name: str) -> bool:
    """True when `name` cannot be read as plain words by the grammar."""
    if not _SIMPLE_NAME.fullmatch(name):
        return True
    return any(word in _KEYWORDS for word in name.split())


def special_names(names: Iterable[object], text: str) -> tuple[str, ...]:
    """The names among `names` that need a placeholder and occur in `text`, as a cache key."""
    found = [name for name in names if isinstance(name, str) and name in text and needs_placeholder(name)]
    return tuple(sorted(found))


def _substitute(text: str, names: tuple[str, ...]) -> tuple[str, dict[str, str]]:
    candidates = [name for name in (*names, *BUILTIN_SPECIAL_NAMES) if name in text]
    if not candidates and "`" not in text:
        return text, {}
    candidates.sort(key=len, reverse=True)
    # A name in backticks (`order-id`, feel-scala's escaped name) is any text but a backtick.
    alternatives = [_BACKTICKED, *(rf"(?<![\w]){re.escape(name)}(?![\w])" for name in candidates)]
    pattern = re.compile("|".join(alternatives))
    mapping: dict[str, str] = {}
    placeholder_of: dict[str, str] = {}

    def replace(match: re.Match[str]) -> str:
        name = match.group(1) if match.group(1) is not None else re.sub(r"\s+", " ", match.group(0))
        if name not in placeholder_of:
            placeholder_of[name] = PLACEHOLDER.format(len(placeholder_of))
            mapping[placeholder_of[name]] = name
        return placeholder_of[name]

    pieces, last = [], 0
    for literal in _STRING.finditer(text):
        pieces.append(pattern.sub(replace, text[last : literal.start()]))
        pieces.append(literal.group(0))
        last = literal.end()
    pieces.append(pattern.sub(replace, text[last:]))
    return "".join(pieces), mapping


def parse(text: str, start: str, names: tuple[str, ...] = ()) -> tuple[Tree, dict[str, str]]:
    """The lark tree of `text` and the placeholder -> name map used while reading it."""
    prepared, mapping = _substitute(text, names)
    try:
        return _parser().parse(prepared, start=start), mapping
    except UnexpectedInput as exc:
        raise FeelSyntaxError(_describe(exc), text, _position(exc, prepared)) from None


def _position(exc: UnexpectedInput, text: str) -> int:
    if isinstance(exc, UnexpectedEOF) or getattr(getattr(exc, "token", None), "type", "") == "$END":
        return len(text)
    return getattr(exc, "pos_in_stream", None) or 0


def _describe(exc: UnexpectedInput) -> str:
    if isinstance(exc, UnexpectedCharacters):
        return f"unexpected character {exc.char!r}"
    if isinstance(exc, UnexpectedEOF):
        return "the expression ends too early"
    if isinstance(exc, UnexpectedToken):
        token = exc.token
        if token.type == "$END":
            return "the expression ends too early"
        return f"unexpected {str(token)!r}"
    return "cannot read the expression"
