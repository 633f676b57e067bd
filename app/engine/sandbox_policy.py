"""Compile-time policy for sandboxed Python: what a script may say, and what it is rewritten into.

Built on RestrictedPython's transformer, which refuses every AST node it has not reviewed (so new
syntax in a new Python is refused until someone looks at it), refuses `_`-names and attributes,
and rewrites attribute, item and iteration access into guard calls. On top of that Baton:

- refuses imports, class definitions, decorators, yield, global/nonlocal, `with`, `finally`,
  bare `except` and the builtins that reach the interpreter (getattr, eval, type, open ...);
- rewrites `*`, `**`, `<<`, `+`, `%`, f-string fields and `*` unpacking into size-checked guard
  calls;
- rewrites `except ValueError` into a name the script cannot rebind, so that matching an
  exception never runs script code (see `Abort` for why that matters).
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Any, NoReturn, cast

from RestrictedPython.transformer import RestrictingNodeTransformer

from app.engine.sandbox_allowlist import BLOCKED_ATTRIBUTES, EXCEPTION_NAMES
from app.engine.sandbox_errors import SandboxViolation

if TYPE_CHECKING:
    from RestrictedPython._types import T_pos_ast  # the nodes with a position, as check_name takes them

FORBIDDEN_NAMES = frozenset(
    {
        "getattr",
        "setattr",
        "delattr",
        "hasattr",
        "vars",
        "globals",
        "locals",
        "dir",
        "eval",
        "exec",
        "compile",
        "open",
        "type",
        "object",
        "super",
        "breakpoint",
        "input",
        "memoryview",
        "help",
        "print",
        "printed",
        "id",
        "iter",
        "next",
        "aiter",
        "anext",
        "classmethod",
        "staticmethod",
        "property",
        "bytearray",
        "bytes",
        "format",
        "issubclass",
        "exit",
        "quit",
        "license",
        "credits",
        "copyright",
        "builtins",
    }
)
_CHECKED_OPERATORS = {
    ast.Mult: "_mul_",
    ast.Pow: "_pow_",
    ast.LShift: "_lshift_",
    ast.Add: "_add_",
    ast.Mod: "_mod_",
}
_OPERATOR_SYMBOLS = {
    ast.Add: "+=",
    ast.Sub: "-=",
    ast.Mult: "*=",
    ast.Div: "/=",
    ast.FloorDiv: "//=",
    ast.Mod: "%=",
    ast.Pow: "**=",
    ast.LShift: "<<=",
    ast.RShift: ">>=",
    ast.BitOr: "|=",
    ast.BitXor: "^=",
    ast.BitAnd: "&=",
    ast.MatMult: "@=",
}


def _call(name: str, args: list[ast.expr], like: ast.AST) -> ast.Call:
    call = ast.Call(func=ast.Name(name, ast.Load()), args=args, keywords=[])
    return ast.copy_location(call, like)


class BatonPolicy(RestrictingNodeTransformer):
    """Raises SandboxViolation at the first refused construct instead of collecting errors."""

    def error(self, node: ast.AST, info: str) -> NoReturn:
        raise SandboxViolation(info.rstrip("."), getattr(node, "lineno", None))

    def refuse(self, node: ast.AST, message: str) -> NoReturn:
        raise SandboxViolation(message, getattr(node, "lineno", None))

    def check_name(self, node: T_pos_ast, name: str | None, allow_magic_methods: bool = False) -> None:
        self.check_identifier(node, name)  # RestrictedPython's own check, with Baton's wording
        super().check_name(node, name, allow_magic_methods=False)

    def check_identifier(self, node: ast.AST, name: str | None) -> None:
        if name is None:
            return
        if name.startswith("_") and name != "_":
            self.refuse(node, f"access to '{name}' is not allowed")
        if name in FORBIDDEN_NAMES:
            self.refuse(node, f"'{name}' is not allowed")

    # -- names and attributes -----------------------------------------------------------------
    def visit_Name(self, node: ast.Name) -> Any:
        self.check_identifier(node, node.id)
        return super().visit_Name(node)

    def visit_Attribute(self, node: ast.Attribute) -> Any:
        if node.attr.startswith("_") or node.attr in BLOCKED_ATTRIBUTES:
            hint = "; use an f-string" if node.attr in ("format", "format_map") else ""
            self.refuse(node, f"access to '{node.attr}' is not allowed{hint}")
        return super().visit_Attribute(node)

    def visit_arg(self, node: ast.arg) -> Any:
        self.check_identifier(node, node.arg)
        return super().visit_arg(node)

    # -- statements Baton refuses -------------------------------------------------------------
    def visit_Import(self, node: ast.Import | ast.ImportFrom) -> Any:
        self.refuse(node, "import is not allowed")

    visit_ImportFrom = visit_Import

    def visit_ClassDef(self, node: ast.ClassDef) -> Any:
        self.refuse(node, "class definitions are not allowed")

    def visit_Yield(self, node: ast.AST) -> Any:
        self.refuse(node, "yield is not allowed")

    visit_YieldFrom = visit_Yield

    def visit_Global(self, node: ast.AST) -> Any:
        self.refuse(node, f"{type(node).__name__.lower()} statements are not allowed")

    visit_Nonlocal = visit_Global

    def visit_With(self, node: ast.With) -> Any:
        self.refuse(node, "with statements are not allowed")

    def visit_FunctionDef(self, node: ast.FunctionDef) -> Any:
        self.check_identifier(node, node.name)
        if node.decorator_list:
            self.refuse(node, "decorators are not allowed")
        return super().visit_FunctionDef(node)

    def visit_Try(self, node: ast.Try) -> Any:
        if node.finalbody:
            self.refuse(node, "finally is not allowed")
        return super().visit_Try(node)

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> Any:
        names: list[ast.Name] = []
        for name in node.type.elts if isinstance(node.type, ast.Tuple) else [node.type]:
            if not (isinstance(name, ast.Name) and name.id in EXCEPTION_NAMES):
                self.refuse(
                    node,
                    "except must name exceptions such as ValueError or Exception "
                    "(a bare except is not allowed)",
                )
            names.append(name)
        self.check_identifier(node, node.name)
        node.type = None  # visited below without it: the rewritten names start with "_"
        node = self.node_contents_visit(node)
        targets: list[ast.expr] = [
            ast.copy_location(ast.Name(f"_except_{n.id}", ast.Load()), n) for n in names
        ]
        node.type = (
            targets[0] if len(targets) == 1 else ast.copy_location(ast.Tuple(targets, ast.Load()), targets[0])
        )
        return node

    # -- size-checked rewrites ----------------------------------------------------------------
    def visit_BinOp(self, node: ast.BinOp) -> Any:
        # RestrictedPython's visit_BinOp returns the node it visited (node_contents_visit); its
        # annotation is that of any visitor.
        node = cast(ast.BinOp, super().visit_BinOp(node))
        guard = _CHECKED_OPERATORS.get(type(node.op))
        return _call(guard, [node.left, node.right], node) if guard else node

    def visit_Starred(self, node: ast.Starred) -> Any:
        node = cast(ast.Starred, super().visit_Starred(node))  # as visit_BinOp above
        if isinstance(node.ctx, ast.Load):  # (`first, *rest = ...` builds nothing bigger)
            node.value = _call("_unpacked_", [node.value], node)
        return node

    def visit_AugAssign(self, node: ast.AugAssign) -> Any:
        if not isinstance(node.target, ast.Subscript):
            return super().visit_AugAssign(node)
        target = node.target
        args = [
            self.visit(target.value),
            self.visit(target.slice),
            ast.Constant(_OPERATOR_SYMBOLS[type(node.op)]),
            self.visit(node.value),
        ]
        return ast.copy_location(ast.Expr(_call("_inplaceitem_", args, node)), node)

    def visit_FormattedValue(self, node: ast.FormattedValue) -> Any:
        node = cast(ast.FormattedValue, super().visit_FormattedValue(node))  # as visit_BinOp above
        spec = node.format_spec if node.format_spec is not None else ast.Constant("")
        node.value = _call("_fstr_", [node.value, ast.Constant(node.conversion), spec], node)
        node.conversion, node.format_spec = -1, None
        return node
