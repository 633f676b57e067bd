"""Sending one HTTP request for a connector (Camunda 7's http-connector, Camunda 8's REST
connector): the checks both make before anything leaves, the call through the SSRF guard
(app/services/outbound.py) and the answer read under the size cap.

Nothing here logs a header value, a URL's query or a body, and no error quotes one: they may carry
a secret. Errors name the connector (`caller`), the input and the host only.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import NamedTuple

from app.services import outbound


class ConnectorRefused(outbound.HostRefused):
    """The request may not be sent (its scheme, its host, its shape). Retrying cannot help (the model
    or the worker's configuration must change), so it becomes an incident at once."""


class Answer(NamedTuple):
    """What came back: any HTTP status is an answer (a 3xx too: redirects are not followed)."""

    status: int
    reason: str
    headers: dict[str, str]
    body: bytes
    charset: str

    def text(self) -> str:
        return self.body.decode(self.charset, errors="replace")


def allowed_host(url: str, allowed: tuple[str, ...], caller: str) -> str:
    """The URL's `host:port` when the configuration allows it; ConnectorRefused naming it if not."""
    return outbound.allowed_host(url, allowed, caller, "BATON_HTTP_CONNECTOR_ALLOWED_HOSTS", ConnectorRefused)


def required(caller: str, variables: dict, name: str) -> str:
    """The input `name` as text HTTP can carry; ConnectorRefused naming the input (never its value)."""
    value = variables.get(name)
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise ConnectorRefused(f"{caller} needs a '{name}' input parameter")
    if " " in text or not (text.isascii() and text.isprintable()):
        # (http.client's own error would quote the URL, which may carry a secret in its query)
        raise ConnectorRefused(f"{caller}'s '{name}' holds a space, a control or a non-ASCII character")
    return text


def header_map(caller: str, value, kind: str = "a camunda:map") -> dict[str, str]:
    """Header values as text HTTP can carry; a line break or a character latin-1 lacks is refused
    naming the header (http.client's own errors would quote the value: a secret)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ConnectorRefused(f"{caller}'s 'headers' must be {kind}")
    headers = {str(k): "" if v is None else str(v) for k, v in value.items()}
    for name, text in headers.items():
        if "\r" in text or "\n" in text:
            raise ConnectorRefused(f"{caller}'s header '{name}' holds a line break")
        if not _latin1(text):
            raise ConnectorRefused(f"{caller}'s header '{name}' holds a character HTTP cannot carry")
    return headers


def _latin1(text: str) -> bool:
    try:
        text.encode("latin-1")
    except UnicodeEncodeError:
        return False
    return True


def json_body(payload, headers: dict[str, str]) -> tuple[bytes | None, dict[str, str]]:
    """Text is sent as it is; a map or list as JSON (with a JSON Content-Type unless one is set)."""
    if payload is None:
        return None, headers
    if isinstance(payload, str):
        return payload.encode(), headers
    if not any(k.lower() == "content-type" for k in headers):
        headers = {**headers, "Content-Type": "application/json"}
    return json.dumps(payload).encode(), headers


class Call(NamedTuple):
    """One request, checked: `host` is the allowed `host:port` its URL names."""

    caller: str
    method: str
    url: str
    host: str
    headers: dict[str, str]
    body: bytes | None
    connect_timeout: float
    read_timeout: float


def send(call: Call, cap: int) -> Answer:
    """Send `call` through the SSRF guard; ConnectionError (naming the host) when no answer comes,
    ValueError when the answer's body is over `cap` bytes."""
    # The scheme was checked by allowed_host (http or https only): no file: or custom schemes.
    request = urllib.request.Request(call.url, data=call.body, headers=call.headers, method=call.method)  # noqa: S310
    request.read_timeout = call.read_timeout  # type: ignore[attr-defined]  # (read by outbound)
    try:
        with _open(request, call.connect_timeout) as response:
            return _answer(response, call, cap)
    except OSError as exc:  # refused, unreachable, timed out (connecting or reading the body)
        reason = getattr(exc, "reason", exc)
        raise ConnectionError(f"{call.caller} could not reach {call.host}: {reason}") from None


def _open(request: urllib.request.Request, timeout: float):
    try:
        return outbound.opener.open(request, timeout=timeout)
    except urllib.error.HTTPError as answer:  # a 3xx, 4xx or 5xx: an answer all the same
        return answer


def _answer(response, call: Call, cap: int) -> Answer:
    body = response.read(cap + 1)
    if len(body) > cap:
        raise ValueError(
            f"{call.caller}: the response of {call.host} is over {cap} bytes (BATON_HTTP_CONNECTOR_MAX_BYTES)"
        )
    headers = {name: ", ".join(response.headers.get_all(name)) for name in set(response.headers.keys())}
    charset = response.headers.get_content_charset() or "utf-8"
    return Answer(response.status, getattr(response, "reason", "") or "", headers, body, charset)
