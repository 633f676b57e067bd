"""Camunda 8's REST connector (`zeebe:taskDefinition type="io.camunda:http-json:1"`): what the
Modeler's template writes, checked at deploy, and its FEEL headers evaluated per call.

The template writes the request as zeebe:ioMapping inputs (`method`, `url`, `headers`,
`queryParameters`, `body`, `authentication.*`, timeouts), local to the task as any Zeebe input,
which the handler (app/handlers/http_json.py) reads; and the rest as zeebe:taskHeaders:
`resultVariable` (the whole response), `resultExpression` (a FEEL context over `response` =
{status, headers, body}, whose keys become variables), `errorExpression` (FEEL over the response,
or over `error` = {code, message, variables: {response}} when the answer is a 4xx or 5xx, or
{type, message} with no code when none came (refused, unreachable, timed out), whose
`bpmnError(code, message)` throws a BPMN error and `jobError(message, ...)` fails the job) and
`retryBackoff` (with the task definition's `retries`, the job's retry cycle).

What the template can say and Baton cannot do is refused at deploy naming the element and the
field (`check`); a field Baton does not read is a warning (`warnings`), never a silent no-op.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from app.engine import timers
from app.engine.errors import ModelError
from app.engine.extension_xml import NS, first

HTTP_JSON = "io.camunda:http-json:1"
AUTHENTICATIONS = ("noAuth", "basic", "bearer", "apiKey")
_FUNCTIONS = ("bpmnError", "jobError")  # the connector runtime's, in errorExpression only
_READ_INPUTS = {
    "method", "url", "headers", "queryParameters", "body", "ignoreNullValues", "skipEncoding",
    "connectionTimeoutInSeconds", "readTimeoutInSeconds", "authentication.type",
    "authentication.username", "authentication.password", "authentication.token",
    "authentication.name", "authentication.value", "authentication.apiKeyLocation",
    "storeResponse", "followRedirects", "documentReturnFormat.choice",
}  # fmt: skip
_READ_HEADERS = {
    "resultVariable", "resultExpression", "errorExpression", "retryBackoff",
    "elementTemplateId", "elementTemplateVersion",
}  # fmt: skip
# An input whose static value asks for what Baton does not do: (target, refused values, why).
_REFUSED = (
    ("storeResponse", ("true",), "Baton has no document store"),
    ("followRedirects", ("true",), "Baton never follows redirects (one could leave the allowed hosts)"),
    ("documentReturnFormat.choice", ("DOCUMENT",), "Baton has no document store"),
)


def is_rest_connector(node) -> bool:
    task_def = first(node, "./bpmn:extensionElements/zeebe:taskDefinition")
    return task_def is not None and (task_def.get("type") or "").strip() == HTTP_JSON


def _inputs(node) -> dict[str, str]:
    found = node.xpath("./bpmn:extensionElements/zeebe:ioMapping/zeebe:input", namespaces=NS)
    return {m.get("target"): (m.get("source") or "").strip() for m in found if m.get("target")}


def _headers(node) -> dict[str, str]:
    found = node.xpath("./bpmn:extensionElements/zeebe:taskHeaders/zeebe:header", namespaces=NS)
    return {h.get("key"): h.get("value") or "" for h in found if h.get("key")}


def retry_cycle(node) -> str | None:
    """`R<retries>/<retryBackoff>`: Zeebe's retries are every attempt (3: three), as Rn/ is."""
    backoff = _headers(node).get("retryBackoff", "").strip() if is_rest_connector(node) else ""
    if not backoff:
        return None
    task_def = first(node, "./bpmn:extensionElements/zeebe:taskDefinition")
    retries = (task_def.get("retries") or "3").strip()
    return f"R{retries}/{backoff}" if retries.isdigit() else None


# --- deploy -------------------------------------------------------------------------------------
def check(node, filename: str) -> None:
    """Raise ModelError naming the element and the field for the first thing of the template
    Baton cannot do (an authentication, a document store, a FEEL header that does not parse)."""
    if not is_rest_connector(node):
        return
    problem = _problem(_inputs(node), _headers(node))
    if problem:
        field, why = problem
        raise ModelError(
            f"{HTTP_JSON} '{field}' {why}", filename=filename, line=node.sourceline, element_id=node.get("id")
        )


def _problem(inputs: dict[str, str], headers: dict[str, str]) -> tuple[str, str] | None:
    kind = inputs.get("authentication.type", "noAuth")
    if not kind.startswith("=") and kind not in AUTHENTICATIONS:
        return (
            "authentication.type",
            f"is {kind!r}, which Baton does not do (it does {', '.join(AUTHENTICATIONS)})",
        )
    for target, values, why in _REFUSED:
        if inputs.get(target) in values:
            return target, f"is {inputs[target]}: {why}"
    tls = sorted(t for t, source in inputs.items() if t.startswith("clientTls.") and source)
    if tls:
        return tls[0], "is set: Baton's connector presents no client certificate"
    for key in ("resultExpression", "errorExpression"):
        problem = _feel_problem(headers.get(key, ""), allowed=_FUNCTIONS if key == "errorExpression" else ())
        if problem:
            return key, problem
    backoff = headers.get("retryBackoff", "").strip()
    if backoff:
        try:
            timers.retry_schedule(f"R2/{backoff}")
        except ValueError:
            return "retryBackoff", f"is {backoff!r}, not an ISO 8601 duration (PT10S)"
    return None


def _feel_problem(text: str, allowed: tuple[str, ...]) -> str | None:
    from app.engine import feel
    from app.engine.feel.calls import unknown_functions

    source = _feel(text)
    if not source:
        return None
    try:
        feel.compile_expression(source)
    except feel.ExpressionError as exc:
        return f"does not parse as FEEL: {getattr(exc, 'message', exc)}"
    unknown = [name for name in unknown_functions(source) if name not in allowed]
    return f"calls {unknown[0]}(), which FEEL here does not have" if unknown else None


def warnings(node) -> list[dict]:
    """The template's fields Baton does not read, each named (the model still deploys)."""
    if not is_rest_connector(node):
        return []
    inputs, headers = _inputs(node), _headers(node)
    ignored = [f"input '{t}'" for t in inputs if t not in _READ_INPUTS and not t.startswith("clientTls.")]
    ignored += [f"task header '{k}'" for k in headers if k not in _READ_HEADERS]
    out = [f"{HTTP_JSON} {what} is not read by Baton's REST connector" for what in ignored]
    task_def = first(node, "./bpmn:extensionElements/zeebe:taskDefinition")
    if not (task_def.get("retries") or "3").strip().isdigit():
        out.append(f"{HTTP_JSON} retries is an expression: Baton gives the job its default attempts")
    return [{"element_id": node.get("id"), "message": message} for message in out]


# --- running ------------------------------------------------------------------------------------
def _feel(text: str | None) -> str:
    return (text or "").strip().removeprefix("=").strip()


def result_variables(headers: dict, response: dict) -> dict[str, Any]:
    """What the call sets: the whole response under resultVariable, and the keys of the context
    resultExpression gives (evaluated over `response` and, as the connector runtime does, its
    own keys: `body.id` reads as `response.body.id`)."""
    out: dict[str, Any] = {}
    name = (headers.get("resultVariable") or "").strip()
    if name:
        out[name] = response
    expression = _feel(headers.get("resultExpression"))
    if expression:
        value = _evaluate(expression, response_scope(response))
        if not isinstance(value, dict):
            raise ValueError(f"{HTTP_JSON} resultExpression gave {type(value).__name__}, not a context")
        out.update(value)
    return out


def error_decision(headers: dict, scope: dict) -> dict | None:
    """What errorExpression makes of `scope` (the response, or `error`): a bpmnError or jobError
    context ({"errorType": ...}), or None (no error: the call's own outcome stands)."""
    expression = _feel(headers.get("errorExpression"))
    if not expression:
        return None
    value = _evaluate(expression, {**scope, **_error_functions()})
    if isinstance(value, dict) and value.get("errorType") in ("bpmnError", "jobError"):
        return value
    return None


def response_scope(response: dict) -> dict:
    return {**response, "response": response}


def _evaluate(expression: str, scope: dict) -> Any:
    from app.engine import feel

    try:
        return feel.to_json_value(feel.evaluate(expression, scope))
    except feel.ExpressionError as exc:  # fails the attempt, naming the header
        raise ValueError(f"{HTTP_JSON} expression failed: {getattr(exc, 'message', exc)}") from None


def _error_functions() -> dict:
    from app.engine.feel.invoke import builtin

    bpmn = (("code", "message"), ("code", "message", "variables"))
    job = tuple(("message", "variables", "retries", "retryBackoff")[:n] for n in range(1, 5))
    return {
        "bpmnError": builtin("bpmnError", bpmn, _bpmn_error),
        "jobError": builtin("jobError", job, _job_error),
    }


def _bpmn_error(code: Any, message: Any, variables: Any = None) -> dict:
    return {"errorType": "bpmnError", "code": code, "message": message, "variables": variables or {}}


def _job_error(message: Any, variables: Any = None, retries: Any = None, backoff: Any = None) -> dict:
    wait = backoff.total_seconds() if isinstance(backoff, timedelta) else None
    return {
        "errorType": "jobError",
        "message": message,
        "variables": variables or {},
        "retries": retries,
        "retryBackoff": wait,
    }
