"""JUEL (the Unified Expression Language of Camunda 7 models): `${...}` and `#{...}`.

Evaluation is sandboxed by construction: the lark tree is interpreted here, properties are read
only from dicts and lists, and method calls go through a short whitelist (getVariable, equals,
contains, startsWith, length, size, isEmpty, ...). Anything else raises JuelEvaluationError
naming the method. There are no loops, so evaluation time is bounded by the text's length.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any

from dateutil.relativedelta import relativedelta
from lark import Lark, Tree
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
_OPERATOR_NAMES = {
    "eq": "==",
    "ne": "!=",
    "lt": "<",
    "gt": ">",
    "le": "<=",
    "ge": ">=",
    "div": "/",
    "mod": "%",
}


class JuelSyntaxError(ExpressionError):
    """The text is not a JUEL expression."""


class JuelEvaluationError(ExpressionError):
    """The expression could not be evaluated (unknown variable, refused method, bad operands)."""


def is_juel(text: Any) -> bool:
    """True when `text` holds a `${...}` or `#{...}` expression."""
    return isinstance(text, str) and ("${" in text or "#{" in text)


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
def _compile(text: str) -> tuple[tuple[bool, Any], ...]:
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


def evaluate(text: str, context: dict) -> Any:
    """The value of `${expr}` alone, or the text of a composite such as `Hello ${name}`."""
    pieces = _compile(text)
    interpreter = _Interpreter(context, text)
    try:
        values = [interpreter.eval(part) if is_expression else part for is_expression, part in pieces]
    except RecursionError:
        raise JuelEvaluationError("expression nests too deeply", text)
    if len(values) == 1 and pieces[0][0]:
        return values[0]
    return "".join(_text(value) for value in values)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(value)
    return str(value)


def _number(value: Any, text: str) -> int | float:
    if value is None:
        return 0
    if isinstance(value, bool):
        raise JuelEvaluationError("cannot use a boolean as a number", text)
    if isinstance(value, int | float):
        return value
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, str):
        try:
            return int(value) if value.strip().lstrip("-").isdigit() else float(value)
        except ValueError:
            pass
    raise JuelEvaluationError(f"cannot use {value!r} as a number", text)


def _boolean(value: Any, text: str) -> bool:
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return value.lower() == "true"
    raise JuelEvaluationError(f"cannot use {value!r} as a boolean", text)


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str | list | tuple | dict | set) and len(value) == 0)


class _Interpreter:
    """Walks the tree top-down, so `?:`, `&&` and `||` evaluate only the branch they need."""

    def __init__(self, context: dict, text: str):
        self.context, self.text = context, text

    def eval(self, node: Any) -> Any:
        return getattr(self, node.data)(*node.children)

    def number(self, token: Any) -> int | float:
        text = str(token)
        return float(text) if any(c in text for c in ".eE") else int(text)

    def string(self, token: Any) -> str:
        body = str(token)[1:-1]
        return body.replace("\\'", "'").replace('\\"', '"').replace("\\\\", "\\")

    def true(self) -> bool:
        return True

    def false(self) -> bool:
        return False

    def null(self) -> None:
        return None

    def var(self, token: Any) -> Any:
        name = str(token)
        if name in self.context:
            return self.context[name]
        if name == "execution":
            return Execution(self.context)
        raise JuelEvaluationError(f"unknown variable {name!r}", self.text)

    def ternary(self, condition: Tree, then: Tree, otherwise: Tree) -> Any:
        return self.eval(then) if _boolean(self.eval(condition), self.text) else self.eval(otherwise)

    def or_op(self, left: Tree, right: Tree) -> bool:
        return _boolean(self.eval(left), self.text) or _boolean(self.eval(right), self.text)

    def and_op(self, left: Tree, right: Tree) -> bool:
        return _boolean(self.eval(left), self.text) and _boolean(self.eval(right), self.text)

    def not_op(self, operand: Tree) -> bool:
        return not _boolean(self.eval(operand), self.text)

    def empty(self, operand: Tree) -> bool:
        return _is_empty(self.eval(operand))

    def neg(self, operand: Tree) -> int | float:
        return -_number(self.eval(operand), self.text)

    def binary(self, left: Tree, op: Any, right: Tree) -> Any:
        operator = _OPERATOR_NAMES.get(str(op), str(op))
        a, b = self.eval(left), self.eval(right)
        if operator in ("==", "!="):
            return equals(a, b) == (operator == "==")
        if operator in ("<", ">", "<=", ">="):
            return compare(a, b, operator, self.text)
        return _arithmetic(operator, _number(a, self.text), _number(b, self.text), self.text)

    def prop(self, target: Tree, name: Any) -> Any:
        return read_property(self.eval(target), str(name), self.text)

    def index(self, target: Tree, key: Tree) -> Any:
        return read_property(self.eval(target), self.eval(key), self.text)

    def method(self, target: Tree, name: Any, *args: Tree) -> Any:
        values = [self.eval(arg) for arg in args if arg is not None]
        return call_method(self.eval(target), str(name), values, self.text)

    def function(self, name: Any, *args: Tree) -> Any:
        # Camunda 7's built-in `dateTime()` (a Joda DateTime of now), e.g. in dueDate attributes.
        if str(name) == "dateTime" and not [a for a in args if a is not None]:
            return datetime.now(UTC)
        raise JuelEvaluationError(f"function {str(name)!r} is not available", self.text)


def _arithmetic(operator: str, a: int | float, b: int | float, text: str) -> int | float:
    if operator == "+":
        return a + b
    if operator == "-":
        return a - b
    if operator == "*":
        return a * b
    if b == 0:
        raise JuelEvaluationError("division by zero", text)
    if operator == "/":
        return a / b
    return math.fmod(a, b) if isinstance(a, float) or isinstance(b, float) else int(math.fmod(a, b))


# ---- the whitelist: which properties and methods an expression may reach, and EL comparisons


def _error(message: str, text: str) -> ExpressionError:
    return JuelEvaluationError(message, text)


class Execution:
    """What `execution` means in an expression: read access to the process variables."""

    def __init__(self, variables: dict):
        self.variables = variables


def _variables(target: Any) -> dict | None:
    return target.variables if isinstance(target, Execution) else None


def read_property(target: Any, key: Any, text: str) -> Any:
    """`a.b` / `a['b']` / `list[0]`: dict keys and list indexes only; null stays null."""
    if target is None:
        return None
    variables = _variables(target)
    if variables is not None:
        return variables.get(key)
    if isinstance(target, dict):
        return target.get(key)
    if isinstance(target, list | tuple) and isinstance(key, int | float | str) and not isinstance(key, bool):
        try:
            return target[int(key)]
        except (IndexError, ValueError):
            return None
    raise _error(f"cannot read property {key!r} of a {type(target).__name__}", text)


_STRING_METHODS: dict[str, Callable[..., Any]] = {
    "equals": lambda s, other: s == other,
    "equalsIgnoreCase": lambda s, o: isinstance(o, str) and s.lower() == o.lower(),
    "contains": lambda s, part: str(part) in s,
    "startsWith": lambda s, part: s.startswith(part),
    "endsWith": lambda s, part: s.endswith(part),
    "length": len,
    "isEmpty": lambda s: not s,
    "toUpperCase": str.upper,
    "toLowerCase": str.lower,
    "trim": str.strip,
    "indexOf": lambda s, part: s.find(part),
    "substring": lambda s, start, end=None: s[int(start) : None if end is None else int(end)],
    "toString": str,
}
_LIST_METHODS: dict[str, Callable[..., Any]] = {
    "size": len,
    "isEmpty": lambda items: not items,
    "contains": lambda items, item: item in items,
    "get": lambda items, index: items[int(index)],
    "indexOf": lambda items, item: items.index(item) if item in items else -1,
}
_MAP_METHODS: dict[str, Callable[..., Any]] = {
    "size": len,
    "isEmpty": lambda m: not m,
    "containsKey": lambda m, key: key in m,
    "get": lambda m, key: m.get(key),
    "getVariable": lambda m, key: m.get(key),
    "hasVariable": lambda m, key: key in m,
    "getVariableLocal": lambda m, key: m.get(key),
}
_NUMBER_METHODS: dict[str, Callable[..., Any]] = {
    "equals": lambda n, other: n == other and not isinstance(other, bool),
    "intValue": int,
    "longValue": int,
    "doubleValue": float,
    "toString": str,
}


def _plus(unit: str, sign: int = 1) -> Callable[..., Any]:
    def shift(moment: datetime, amount: Any) -> datetime:
        if unit == "months":
            return moment + relativedelta(months=sign * int(amount))
        return moment + timedelta(**{unit: sign * float(amount)})

    return shift


_UNITS = ("Weeks", "Days", "Hours", "Minutes", "Seconds", "Months")
# Joda DateTime as Camunda models use it: dateTime().plusWeeks(1).toDate(); a date ends as ISO 8601.
_DATETIME_METHODS: dict[str, Callable[..., Any]] = {
    **{f"plus{u}": _plus(u.lower()) for u in _UNITS},
    **{f"minus{u}": _plus(u.lower(), -1) for u in _UNITS},
    "toDate": lambda moment: moment.isoformat(),
    "toString": lambda moment: moment.isoformat(),
}


def _methods_for(target: Any) -> dict[str, Callable[..., Any]]:
    if isinstance(target, datetime):
        return _DATETIME_METHODS
    if isinstance(target, str):
        return _STRING_METHODS
    if isinstance(target, list | tuple):
        return _LIST_METHODS
    if isinstance(target, dict):
        return _MAP_METHODS
    if isinstance(target, int | float | Decimal) and not isinstance(target, bool):
        return _NUMBER_METHODS
    return {}


def call_method(target: Any, name: str, args: list[Any], text: str) -> Any:
    """Call a whitelisted method; any other raises JuelEvaluationError naming it."""
    variables = _variables(target)
    if variables is not None:
        target = variables
    method = _methods_for(target).get(name)
    if method is None:
        raise _error(f"method {name!r} is not allowed on a {type(target).__name__}", text)
    try:
        return method(target, *args)
    except (TypeError, ValueError, IndexError, AttributeError) as exc:
        raise _error(f"{name}() failed: {exc}", text)


def equals(a: Any, b: Any) -> bool:
    """EL `==`: numbers by value, a number and a numeric string as numbers, else Python equality."""
    if a is None or b is None:
        return a is b
    numeric = (int, float, Decimal)
    if isinstance(a, bool) or isinstance(b, bool):
        return str(a).lower() == str(b).lower() if isinstance(a, str) or isinstance(b, str) else a == b
    if isinstance(a, numeric) and isinstance(b, str) or isinstance(b, numeric) and isinstance(a, str):
        try:
            return float(a) == float(b)
        except ValueError:
            return False
    return a == b


def compare(a: Any, b: Any, operator: str, text: str) -> bool:
    if a is None or b is None:
        return False
    if isinstance(a, str) and not isinstance(b, str) or isinstance(b, str) and not isinstance(a, str):
        try:
            a, b = float(a), float(b)
        except (TypeError, ValueError):
            raise _error(f"cannot compare {a!r} with {b!r}", text)
    try:
        return {"<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[operator]
    except TypeError:
        raise _error(f"cannot compare {a!r} with {b!r}", text)
