"""Which functions an expression calls that FEEL does not have, found at deploy.

A call to a name that is neither a FEEL built-in nor one of Camunda's extensions (`=foo(x)`) gives
null when evaluated, as any FEEL function that cannot be called does, so a misspelt function
would route or map silently. Naming it at deploy lets the modeller see it. A name the expression
binds itself (a context entry, a function parameter, a `for`/`some`/`every` variable) may hold a
function, and is not reported.
"""

from __future__ import annotations

from lark import Token, Tree

from app.engine.feel.builtins import BUILTINS
from app.engine.feel.parser import FeelSyntaxError, parse

_COMPILED_BY_NAME = {"is defined"}  # built by the compiler, not in the table (loops.invoke)
_BINDERS = {"context_entry", "param", "iteration", "quantified"}


def unknown_functions(text: str) -> list[str]:
    """The names `text` calls that FEEL and Camunda do not define, in order, once each; none when
    the text does not parse (that is refused elsewhere)."""
    try:
        tree, mapping = parse(text, "expression")
    except FeelSyntaxError:
        return []
    bound = {_name(node.children[0], mapping) for node in tree.iter_subtrees() if node.data in _BINDERS}
    called = [_callee(node, mapping) for node in tree.iter_subtrees_topdown() if node.data == "invoke"]
    known = set(BUILTINS) | _COMPILED_BY_NAME | bound
    return list(dict.fromkeys(name for name in called if name and name not in known))


def _callee(invoke: Tree, mapping: dict[str, str]) -> str | None:
    callee = invoke.children[0]
    if isinstance(callee, Tree) and callee.data == "var":
        return _name(callee.children[0], mapping)
    return None  # a path (`order.f(1)`) or an expression giving a function: not a name to check


def _name(node, mapping: dict[str, str]) -> str | None:
    if isinstance(node, Tree) and node.data == "name":
        text = " ".join(str(word) for word in node.children)
        return mapping.get(text, text)
    if isinstance(node, Token) and node.type == "STRING":
        return str(node)[1:-1]
    return None
