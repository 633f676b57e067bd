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
values and bodies are never logged.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request

from flask import current_app

from app.handlers import service_handler
from app.services import outbound

log = logging.getLogger(__name__)
HTTP_CONNECTOR = "http-connector"


class ConnectorRefused(outbound.HostRefused):
    """The request may not be sent (its scheme, its host, its shape). Retrying cannot help (the model
    or the worker's configuration must change), so it becomes an incident at once."""


@service_handler(HTTP_CONNECTOR)
def http_connector(variables: dict, idempotency_key: str) -> dict:
    """Send the request the connector's inputs describe; return statusCode, response and headers."""
    config = current_app.config["BATON"]
    url, method = _required(variables, "url"), _required(variables, "method").upper()
    host = allowed_host(url, config.HTTP_CONNECTOR_ALLOWED_HOSTS)
    body, headers = _body(variables.get("payload"), _headers(variables.get("headers")))
    # The scheme is checked above (http or https only): no file: or custom schemes.
    request = urllib.request.Request(url, data=body, headers=headers, method=method)  # noqa: S310
    log.info("http-connector %s %s [%s]", method, host, idempotency_key)
    try:
        with _open(request, config.HTTP_CONNECTOR_TIMEOUT_SECONDS) as response:
            return _result(response, host, config.HTTP_CONNECTOR_MAX_BYTES)
    except OSError as exc:  # refused, unreachable, timed out (connecting or reading the body)
        reason = getattr(exc, "reason", exc)
        raise ConnectionError(f"http-connector could not reach {host}: {reason}") from None


def _open(request: urllib.request.Request, timeout: float):
    try:
        return outbound.opener.open(request, timeout=timeout)
    except urllib.error.HTTPError as answer:  # a 3xx, 4xx or 5xx: a result all the same
        return answer


def allowed_host(url: str, allowed: tuple[str, ...]) -> str:
    """The URL's `host:port` when the configuration allows it; ConnectorRefused naming it if not."""
    return outbound.allowed_host(
        url, allowed, HTTP_CONNECTOR, "BATON_HTTP_CONNECTOR_ALLOWED_HOSTS", ConnectorRefused
    )


def _required(variables: dict, name: str) -> str:
    value = variables.get(name)
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise ConnectorRefused(f"http-connector needs a '{name}' input parameter")
    if " " in text or not (text.isascii() and text.isprintable()):
        # (http.client's own error would quote the URL, which may carry a secret in its query)
        raise ConnectorRefused(f"http-connector's '{name}' holds a space, a control or a non-ASCII character")
    return text


def _headers(value) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ConnectorRefused("http-connector's 'headers' must be a camunda:map")
    headers = {str(k): "" if v is None else str(v) for k, v in value.items()}
    for name, text in headers.items():  # (http.client's own error would quote the value: a secret)
        if "\r" in text or "\n" in text:
            raise ConnectorRefused(f"http-connector's header '{name}' holds a line break")
        if not _latin1(text):  # (the encoder's error would quote a character of it)
            raise ConnectorRefused(f"http-connector's header '{name}' holds a character HTTP cannot carry")
    return headers


def _latin1(text: str) -> bool:
    try:
        text.encode("latin-1")
    except UnicodeEncodeError:
        return False
    return True


def _body(payload, headers: dict[str, str]) -> tuple[bytes | None, dict[str, str]]:
    if payload is None:
        return None, headers
    if isinstance(payload, str):
        return payload.encode(), headers
    if not any(k.lower() == "content-type" for k in headers):
        headers = {**headers, "Content-Type": "application/json"}
    return json.dumps(payload).encode(), headers  # a map or list given as the payload is sent as JSON


def _result(response, host: str, cap: int) -> dict:
    body = response.read(cap + 1)
    if len(body) > cap:
        raise ValueError(
            f"http-connector: the response of {host} is over {cap} bytes (BATON_HTTP_CONNECTOR_MAX_BYTES)"
        )
    charset = response.headers.get_content_charset() or "utf-8"
    return {
        "statusCode": response.status,
        "response": body.decode(charset, errors="replace"),
        "headers": {name: ", ".join(response.headers.get_all(name)) for name in set(response.headers.keys())},
    }
