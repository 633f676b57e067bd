"""One expression layer for every place a model holds an expression.

Dialect by form, as the modellers write them:
- `${...}` / `#{...}`  JUEL (Camunda 7)
- `=...`              FEEL (Camunda 8 / Zeebe; DMN always uses FEEL directly)
- anything else       Python (SpiffWorkflow-dialect models), run in the sandbox
A bare ISO 8601 date, duration or repeating interval, or a cron line, is taken literally:
modellers write timers unquoted (`PT5M`) and no dialect gives those a different meaning.
"""

from __future__ import annotations

import re
from typing import Any

from app.engine.expression_errors import ExpressionError

_ISO_LITERAL = re.compile(
    r"^(R\d*/.+|P(?=\d|T\d)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?"
    r"|\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?)$"
)
_CRON = re.compile(r"^([\d*?/,#LW-]+\s+){4,6}[\d*?/,#LW-]+$", re.IGNORECASE)


def dialect_of(expression: str) -> str:
    text = expression.strip()
    if text.startswith(("${", "#{")):
        return "juel"
    if text.startswith("="):
        return "feel"
    if _ISO_LITERAL.match(text) or _CRON.match(text):
        return "literal"
    return "python"


def evaluate(expression: str, context: dict) -> Any:
    """Evaluate `expression` against `context` in its dialect; raises ExpressionError subclasses."""
    dialect = dialect_of(expression)
    text = expression.strip()
    if dialect == "literal":
        return text
    if dialect == "juel":
        from app.engine import juel

        return juel.evaluate(text, context)
    if dialect == "feel":
        from app.engine import feel

        return feel.to_json_value(feel.evaluate(text[1:], context))
    from app.engine import sandbox

    try:
        return sandbox.evaluate(text, context)
    except sandbox.SandboxError as exc:
        raise ExpressionError(getattr(exc, "message", str(exc)), expression)


def check(expression: str) -> None:
    """Deploy-time check: raise ExpressionError when `expression` does not parse."""
    dialect = dialect_of(expression)
    text = expression.strip()
    if dialect == "juel":
        from app.engine import juel

        juel.compile_expression(text) if hasattr(juel, "compile_expression") else None
    elif dialect == "feel":
        from app.engine import feel

        feel.compile_expression(text[1:])
    elif dialect == "python":
        from app.engine import sandbox

        try:
            sandbox.check_expression(text)
        except sandbox.SandboxError as exc:
            raise ExpressionError(getattr(exc, "message", str(exc)), expression)


def run_script(script: str, variables: dict, script_format: str | None = None) -> dict:
    """Run a script task's body; Python in the sandbox, FEEL for `feel` script format."""
    if (script_format or "python").lower() == "feel":
        from app.engine import feel

        return {"result": feel.to_json_value(feel.evaluate(script, variables))}
    from app.engine import sandbox

    try:
        return sandbox.run_script(script, variables)
    except sandbox.SandboxError as exc:
        raise ExpressionError(getattr(exc, "message", str(exc)), script)
