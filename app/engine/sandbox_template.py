"""Notification templates (`Task {{ task_name }} for {{ requester_name }}`), rendered sandboxed.

Why: template text comes from uploaded models too. Jinja's ImmutableSandboxedEnvironment refuses
`_` attributes and in-place mutation; on top of it the filters and str methods that build huge
strings from a small template (center, indent, format, wordwrap, str.join/replace/ljust ...) are
removed, `*` and `**` are size-checked, and rendering runs under the same time limit tracer as
scripts, since a template loop is Python code too.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

from jinja2 import TemplateError, TemplateSyntaxError, nodes
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from app.engine.sandbox_allowlist import BLOCKED_ATTRIBUTES
from app.engine.sandbox_errors import Abort, SandboxScriptError, SandboxSyntaxError, SandboxViolation
from app.engine.sandbox_guards import Run
from app.engine.sandbox_meter import TEMPLATE_FILENAME, Limits

_UNSAFE_FILTERS = ("center", "indent", "format", "wordwrap", "xmlattr", "attr", "map", "pprint")
_UNSAFE_STR_METHODS = frozenset(
    {
        "join",
        "replace",
        "center",
        "ljust",
        "rjust",
        "zfill",
        "expandtabs",
        "translate",
        "format",
        "format_map",
    }
)
_LIMITS = Limits()


class _Environment(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**", "+"})

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if attr in BLOCKED_ATTRIBUTES or (isinstance(obj, (str, bytes)) and attr in _UNSAFE_STR_METHODS):
            return False
        return super().is_safe_attribute(obj, attr, value)

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        run = Run(1.0, _LIMITS)  # only its size checks are used here
        check = {"*": run.mul, "**": run.pow, "+": run.add}[operator]
        return check(left, right)


Escape = Callable[[str], str]


def _environment(html: bool, escape: Escape | None) -> _Environment:
    # `finalize` sees what each {{ ... }} writes out, after its filters, slices and tests.
    env = _Environment(autoescape=html, finalize=(lambda value: escape(str(value))) if escape else None)
    for name in _UNSAFE_FILTERS:
        env.filters.pop(name, None)
    return env


@lru_cache(maxsize=4)
def _env(html: bool, escape: Escape | None) -> _Environment:
    return _environment(html, escape)


@lru_cache(maxsize=1024)
def _template(source: str, html: bool, escape: Escape | None) -> Any:
    env = _env(html, escape)
    try:
        for line, token, value in env.lex(source):
            # `~` concatenates without an interceptable hook, and recursive macros can double a
            # string per call; notifications need neither.
            if (token, value) in (("operator", "~"), ("name", "macro"), ("name", "call")):
                raise SandboxViolation(f"'{value}' is not allowed in templates", line)
        tree = env.parse(source)
        return env.from_string(tree), _is_plain(tree)
    except TemplateSyntaxError as exc:
        raise SandboxSyntaxError(exc.message or "template syntax error", exc.lineno)


# Text, `{{ name }}` and `{% if name %}`: a template made of these alone cannot loop, call or
# compute, so it cannot run long and needs no tracer (which costs twice the rendering itself).
_PLAIN_NODES = (
    nodes.Template, nodes.Output, nodes.TemplateData, nodes.Name, nodes.If, nodes.Const, nodes.Not,
    nodes.And, nodes.Or,
)  # fmt: skip


def _is_plain(tree: nodes.Template) -> bool:
    return all(type(node) in _PLAIN_NODES for node in tree.find_all(nodes.Node))


def render_template(
    template: str, variables: dict, *, html: bool = False, escape: Escape | None = None, timeout: float = 1.0
) -> str:
    """Render a notification template; `html=True` escapes the variables for HTML, `escape` (a
    module-level function: it keys the template cache) what each `{{ ... }}` writes out.

    Missing variables render empty. Refused attribute access raises SandboxViolation.
    """
    compiled, plain = _template(template, html, escape)
    run = Run(timeout, _LIMITS, filename=TEMPLATE_FILENAME)
    context = {k: v for k, v in variables.items() if isinstance(k, str) and not k.startswith("_")}
    try:
        text = compiled.render(context) if plain else run.run(lambda: compiled.render(context))
    except Abort as abort:  # its line is one of Jinja's generated code, not of the template
        raise type(abort.error)(abort.error.message)
    except SecurityError as exc:
        raise SandboxViolation(f"template: {exc}")
    except (TemplateError, RecursionError, Exception) as exc:
        raise SandboxScriptError(f"template: {type(exc).__name__}: {exc}", error_type=type(exc).__name__)
    run.charge(len(text), "the rendered template")
    return text
