"""Reading JUEL text: the grammar, splitting a composite such as `Hello ${name}` into literal
text and expressions, and compiling it once (cached) into the pieces `juel.evaluate` walks.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from lark import Lark
from lark.exceptions import UnexpectedInput

from app.engine.expression_errors import ExpressionError

MAX_LENGTH = 20_000

_GRAMMAR = r"""
?start: expr
?expr: or_ | or_ "?" expr ":" expr          -> ternary
?or_: and_ | or_ ("||" | "or") and_          -> or_op
?and_: eq | and_ ("&&" | "and") eq           -> and_op
?eq: cmp | eq EQ_OP cmp                      -> binary
?cmp: add | cmp CMP_OP add                   -> binary
?add: mul | add ADD_OP mul                   -> binary
?mul: unary | mul MUL_OP unary               -> binary
?unary: value
      | "-" unary                            -> neg
      | ("!" | "not") unary                  -> not_op
      | "empty" unary                        -> empty
?value: primary
      | value "." NAME                       -> prop
      | value "[" expr "]"                   -> index
      | value "." NAME "(" [expr ("," expr)*] ")"  -> method
?primary: NUMBER                             -> number
        | STRING                             -> string
        | "true"                             -> true
        | "false"                            -> false
        | "null"                             -> null
        | NAME "(" [expr ("," expr)*] ")"    -> function
        | NAME                               -> var
        | "(" expr ")"
EQ_OP.2: /==|!=|\beq\b|\bne\b/
CMP_OP.2: /<=|>=|<|>|\ble\b|\bge\b|\blt\b|\bgt\b/
ADD_OP: "+" | "-"
MUL_OP.2: /\*|\/|%|\bdiv\b|\bmod\b/
NUMBER: /\d+(\.\d+)?([eE][+-]?\d+)?/
STRING: /'(\\.|[^'\\])*'/ | /"(\\.|[^"\\])*"/
NAME: /[A-Za-z_$][A-Za-z0-9_$]*/
%ignore /\s+/
"""


class JuelSyntaxError(ExpressionError):
    """The text is not a JUEL expression."""


@lru_cache(maxsize=1)
def _parser() -> Lark:
    return Lark(_GRAMMAR, parser="lalr", maybe_placeholders=False)


def _split(text: str) -> list[tuple[bool, str]]:
    """The composite text as (is_expression, part) pieces, honouring quotes inside `${...}`."""
    parts: list[tuple[bool, str]] = []
    literal, i = [], 0
    while i < len(text):
        if text.startswith(("\\${", "\\#{"), i):
            literal.append(text[i + 1 : i + 3])
            i += 3
        elif text.startswith(("${", "#{"), i):
            end = _closing_brace(text, i + 2)
            if literal:
                parts.append((False, "".join(literal)))
                literal = []
            parts.append((True, text[i + 2 : end]))
            i = end + 1
        else:
            literal.append(text[i])
            i += 1
    if literal:
        parts.append((False, "".join(literal)))
    return parts


def _closing_brace(text: str, start: int) -> int:
    quote, i = None, start
    while i < len(text):
        char = text[i]
        if quote:
            if char == "\\":
                i += 1
            elif char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif char == "}":
            return i
        i += 1
    raise JuelSyntaxError("missing '}' closing the expression", text)


@lru_cache(maxsize=4096)
def compile_text(text: str) -> tuple[tuple[bool, Any], ...]:
    """The text as (is_expression, piece) pairs: literal text, or a parsed expression tree."""
    if len(text) > MAX_LENGTH:
        raise JuelSyntaxError(f"expression longer than {MAX_LENGTH} characters", text[:80])
    pieces: list[tuple[bool, Any]] = []  # literal text, or a parsed expression
    for is_expression, part in _split(text):
        if not is_expression:
            pieces.append((False, part))
            continue
        try:
            pieces.append((True, _parser().parse(part)))
        except UnexpectedInput as exc:
            raise JuelSyntaxError(f"syntax error at column {exc.column}", text)
    return tuple(pieces)
