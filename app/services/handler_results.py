"""What a service handler's call came to, as the job runner records it.

An outcome is ("ok", outputs), ("error", BpmnError) or ("fail", exception). A handler's outputs and
a BPMN error's variables must be JSON values; anything else fails the attempt naming it. An outcome
reached while the instance was suspended is kept on the job row and applied on resume, so the
handler (and its side effect) is not called again.
"""

from __future__ import annotations

from app.engine import connectors, expressions, rest_connector
from app.engine.data import json_problem
from app.engine.expression_errors import ExpressionError
from app.handlers import BpmnError, JobError, call_handler
from app.handlers.http_connector import HTTP_CONNECTOR
from app.handlers.http_json import HttpStatusError
from app.services import connector_secrets

REST_SECRET_FIELDS = ("headers", "queryParameters", "body", "authentication")


def outputs_of(name: str | None, returned) -> dict:
    """What a handler returned, as variables: a dict of JSON values (or None for none). Anything
    else fails the attempt naming it, rather than the step that would store it (which left the
    job running, unseen, until its lease ran out)."""
    if returned is None:
        return {}
    if not isinstance(returned, dict):
        raise TypeError(f"handler '{name}' returned a {type(returned).__name__}, not a dict of variables")
    problem = json_problem(returned)
    if problem:
        raise TypeError(f"handler '{name}' returned {problem}")
    return returned


def connector_outputs(
    name: str | None, handler, connector: dict, variables: dict, key: str | None, tenant_id: str
) -> dict:
    """A camunda:connector's call: its handler gets the evaluated inputs (the HTTP connector's with
    the tenant's `{{secrets.NAME}}` filled in); only its outputs, evaluated against what it returned,
    become variables (none without output parameters, as in Camunda)."""
    request = connectors.inputs(connector, variables)
    if name == HTTP_CONNECTOR:
        request = connector_secrets.resolve(request, tenant_id)
    returned = outputs_of(name, call_handler(handler, request, key, {}))
    return outputs_of(name, connectors.outputs(connector, returned, variables))


def rest_connector_outputs(
    name: str, handler, variables: dict, key: str | None, headers: dict, tenant_id: str
) -> dict:
    """Camunda 8's REST connector's call: its inputs with the tenant's `{{secrets.NAME}}` filled in
    (in this call only), then its task headers: errorExpression over the response, the 4xx/5xx
    error or the failure to get any answer (a bpmnError() throws, a jobError() fails the attempt),
    then resultVariable and resultExpression give the variables it sets."""
    request = connector_secrets.resolve(variables, tenant_id, REST_SECRET_FIELDS, name)
    try:
        response = outputs_of(name, call_handler(handler, request, key, headers))
    except HttpStatusError as failed:
        _raise_decision(rest_connector.error_decision(headers, {"error": failed.context()}))
        raise
    except ConnectionError as failed:  # refused, unreachable, timed out: no answer, so no code
        _raise_decision(rest_connector.error_decision(headers, {"error": _unanswered(failed)}))
        raise
    _raise_decision(rest_connector.error_decision(headers, rest_connector.response_scope(response)))
    return outputs_of(name, rest_connector.result_variables(headers, response))


def _unanswered(failed: ConnectionError) -> dict:
    """`error` for a call that got no answer, as Camunda's runtime maps any exception: its type and
    message, no code (an expression matching `error.code` leaves it alone: retried, then an incident)."""
    return {"type": type(failed).__name__, "message": str(failed), "code": None, "variables": {}}


def _raise_decision(decision: dict | None) -> None:
    if decision is None:
        return
    variables = decision.get("variables") if isinstance(decision.get("variables"), dict) else {}
    if decision["errorType"] == "bpmnError":
        raise BpmnError(str(decision.get("code") or ""), decision.get("message"), variables)
    retries, wait = decision.get("retries"), decision.get("retryBackoff")
    raise JobError(
        str(decision.get("message") or "jobError"), retries if isinstance(retries, int) else None, wait
    )


def error_outcome(name: str | None, error: BpmnError) -> tuple:
    try:
        outputs_of(name, error.variables)
    except TypeError as exc:  # the error's variables could not be stored: the attempt fails
        return ("fail", exc)
    return ("error", error)


def topic(expression: str, variables: dict) -> str:
    """The handler an expression topic names for this instance; a failure fails the attempt."""
    try:
        return str(expressions.evaluate(expression, variables))
    except ExpressionError as exc:
        raise LookupError(f"the topic {expression} cannot be evaluated: {exc.message}")


def keepable(outcome: tuple) -> dict:
    if outcome[0] == "ok":
        return {"ok": outcome[1]}
    error = outcome[1]
    return {"error": {"code": error.code, "message": error.message, "variables": error.variables}}


def kept_outcome(kept: dict) -> tuple:
    if "ok" in kept:
        return ("ok", kept["ok"])
    return ("error", BpmnError(**kept["error"]))
