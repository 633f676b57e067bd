"""Camunda 8's REST connector (`zeebe:taskDefinition type="io.camunda:http-json:1"`).

Called with the task's variables, where the template's zeebe:ioMapping inputs sit (`method`, `url`,
`headers` and `queryParameters` as FEEL contexts, `body`, `authentication` {type: noAuth, basic
(username, password), bearer (token) or apiKey (name, value, apiKeyLocation headers or query)},
`connectionTimeoutInSeconds`, `readTimeoutInSeconds`, `ignoreNullValues`), it returns what the
connector gives its result headers: `{status, headers, body}`, the body parsed when it is JSON.

As in Camunda 8, and unlike Camunda 7's http-connector, a 4xx or 5xx answer is an error, not a
result: HttpStatusError, with the status as its code and the response in its variables, which the
task's errorExpression may turn into a BPMN error (app/services/handler_results.py); otherwise the
attempt fails (retried, then an incident). The request goes out as Camunda 7's does
(app/handlers/http_request.py): allowed hosts only, no redirects, no proxy, no value logged.
"""

from __future__ import annotations

import base64
import json
import logging
from urllib.parse import urlencode

from flask import current_app

from app.engine.rest_connector import HTTP_JSON
from app.handlers import http_request as http
from app.handlers import service_handler
from app.handlers.http_request import ConnectorRefused

log = logging.getLogger(__name__)


class HttpStatusError(Exception):
    """A 4xx or 5xx answer: Camunda's connector fails the job with the status as the error code."""

    def __init__(self, host: str, reason: str, response: dict):
        self.code, self.response = str(response["status"]), response
        self.reason = reason or f"HTTP {self.code}"
        super().__init__(f"{HTTP_JSON}: {host} answered {self.code} {self.reason}")

    def context(self) -> dict:
        """`error` as an errorExpression reads it: code, message and the response in variables."""
        answer = {"headers": self.response["headers"], "body": self.response["body"]}
        return {"code": self.code, "message": self.reason, "variables": {"response": answer}}


@service_handler(HTTP_JSON)
def http_json(variables: dict, idempotency_key: str) -> dict:
    """Send the request the template's inputs describe; return {status, headers, body}."""
    config = current_app.config["BATON"]
    method = http.required(HTTP_JSON, variables, "method").upper()
    query, auth_headers = _authentication(variables.get("authentication"))
    url = _with_query(http.required(HTTP_JSON, variables, "url"), variables.get("queryParameters"), query)
    host = http.allowed_host(url, config.HTTP_CONNECTOR_ALLOWED_HOSTS, HTTP_JSON)
    headers = http.header_map(HTTP_JSON, variables.get("headers"), "a FEEL context")
    headers = http.header_map(HTTP_JSON, {**headers, **auth_headers})
    body, headers = _body(variables, headers)
    connect, read = (_seconds(variables, name, config) for name in _TIMEOUTS)
    log.info("%s %s %s [%s]", HTTP_JSON, method, host, idempotency_key)
    answer = http.send(
        http.Call(HTTP_JSON, method, url, host, headers, body, connect, read), config.HTTP_CONNECTOR_MAX_BYTES
    )
    response = {"status": answer.status, "headers": answer.headers, "body": _parsed(answer, variables)}
    if answer.status >= 400:
        raise HttpStatusError(host, answer.reason, response)
    return response


def _authentication(auth) -> tuple[dict[str, str], dict[str, str]]:
    """(query parameters, headers) the authentication adds; refused naming what is missing."""
    auth = auth if isinstance(auth, dict) else {}
    kind = auth.get("type") or "noAuth"
    if kind == "noAuth":
        return {}, {}
    if kind == "basic":
        pair = f"{_part(auth, 'username')}:{_part(auth, 'password', empty=True)}"
        return {}, {"Authorization": "Basic " + base64.b64encode(pair.encode()).decode("ascii")}
    if kind == "bearer":
        return {}, {"Authorization": f"Bearer {_part(auth, 'token')}"}
    if kind == "apiKey":
        key = {_part(auth, "name"): _part(auth, "value")}
        return (key, {}) if auth.get("apiKeyLocation") == "query" else ({}, key)
    raise ConnectorRefused(f"{HTTP_JSON}'s authentication type '{kind}' is not one Baton does")


def _part(auth: dict, name: str, empty: bool = False) -> str:
    value = auth.get(name)
    if value is None or (value == "" and not empty):
        raise ConnectorRefused(
            f"{HTTP_JSON} needs 'authentication.{name}' for {auth.get('type')} authentication"
        )
    return str(value)


def _with_query(url: str, parameters, extra: dict[str, str]) -> str:
    if parameters is not None and not isinstance(parameters, dict):
        raise ConnectorRefused(f"{HTTP_JSON}'s 'queryParameters' must be a FEEL context")
    pairs = {str(k): _text(v) for k, v in {**(parameters or {}), **extra}.items() if v is not None}
    if not pairs:
        return url
    return url + ("&" if "?" in url else "?") + urlencode(pairs)


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else json.dumps(value)


def _body(variables: dict, headers: dict[str, str]) -> tuple[bytes | None, dict[str, str]]:
    body = variables.get("body")
    if _flag(variables.get("ignoreNullValues")):
        body = _without_nulls(body)
    if body is not None and not any(k.lower() == "content-type" for k in headers):
        headers = {**headers, "Content-Type": "application/json"}  # the connector's default
    return http.json_body(body, headers)


def _without_nulls(value):
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


def _flag(value) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


_TIMEOUTS = ("connectionTimeoutInSeconds", "readTimeoutInSeconds")


def _seconds(variables: dict, name: str, config) -> float:
    """The input's seconds; 0 (Camunda's "no limit") or none is the server's own limit."""
    value = variables.get(name)
    try:
        seconds = float(value) if value not in (None, "") else 0.0
    except (TypeError, ValueError):
        raise ConnectorRefused(f"{HTTP_JSON}'s '{name}' is not a number of seconds") from None
    if seconds < 0:
        raise ConnectorRefused(f"{HTTP_JSON}'s '{name}' is negative")
    return seconds or config.HTTP_CONNECTOR_TIMEOUT_SECONDS


def _parsed(answer: http.Answer, variables: dict):
    """The body as JSON when it is JSON (as text when the template asks for text), else text."""
    text = answer.text()
    choice = variables.get("documentReturnFormat")
    if isinstance(choice, dict) and choice.get("choice") == "TEXT":
        return text
    if not text.strip():
        return None
    try:
        return json.loads(text, parse_constant=_not_json)
    except ValueError:
        return text


def _not_json(name: str):
    raise ValueError(f"{name} is not JSON")  # (NaN, Infinity: Python reads them, JSON has none)
