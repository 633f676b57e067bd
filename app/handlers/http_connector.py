"""Camunda 7's HTTP connector (`<camunda:connectorId>http-connector</camunda:connectorId>`).

Called with the connector's evaluated inputs (`url`, `method`, `headers`, `payload`), it returns
what Camunda's connector gives its output mappings: `statusCode`, `response` (the body as text) and
`headers`. Any HTTP status is a result, as in Camunda: the model decides what a 404 means. Only
what keeps the call from giving a status fails the attempt (retried, then an incident): a host the
configuration does not allow, a scheme other than http(s), a refused connection, a timeout, a body
over the cap.

This is a server that runs uploaded models, so the connector must not reach what the server can
reach (app/services/outbound.py): only hosts in BATON_HTTP_CONNECTOR_ALLOWED_HOSTS are called (none
by default), redirects are not followed (a 3xx is the result), connections are direct, and header
values and bodies are never logged. The sending is app/handlers/http_request.py's, shared with
Camunda 8's REST connector (app/handlers/http_json.py).
"""

from __future__ import annotations

import logging

from flask import current_app

from app.handlers import http_request as http
from app.handlers import service_handler
from app.handlers.http_request import ConnectorRefused

__all__ = ["HTTP_CONNECTOR", "ConnectorRefused", "allowed_host", "http_connector"]
log = logging.getLogger(__name__)
HTTP_CONNECTOR = "http-connector"


@service_handler(HTTP_CONNECTOR)
def http_connector(variables: dict, idempotency_key: str) -> dict:
    """Send the request the connector's inputs describe; return statusCode, response and headers."""
    config = current_app.config["BATON"]
    url = http.required(HTTP_CONNECTOR, variables, "url")
    method = http.required(HTTP_CONNECTOR, variables, "method").upper()
    host = allowed_host(url, config.HTTP_CONNECTOR_ALLOWED_HOSTS)
    headers = http.header_map(HTTP_CONNECTOR, variables.get("headers"))
    body, headers = http.json_body(variables.get("payload"), headers)
    timeout = config.HTTP_CONNECTOR_TIMEOUT_SECONDS
    log.info("http-connector %s %s [%s]", method, host, idempotency_key)
    call = http.Call(HTTP_CONNECTOR, method, url, host, headers, body, timeout, timeout)
    answer = http.send(call, config.HTTP_CONNECTOR_MAX_BYTES)
    return {"statusCode": answer.status, "response": answer.text(), "headers": answer.headers}


def allowed_host(url: str, allowed: tuple[str, ...]) -> str:
    """The URL's `host:port` when the configuration allows it; ConnectorRefused naming it if not."""
    return http.allowed_host(url, allowed, HTTP_CONNECTOR)
