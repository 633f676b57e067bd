"""Camunda 8's REST connector handler against a real server on 127.0.0.1, called directly (the app's
configuration narrowed for each test): API keys, timeouts, the body's format, refusals."""

from __future__ import annotations

import time

import pytest

from app.handlers.http_json import HttpStatusError, http_json
from app.handlers.http_request import ConnectorRefused
from tests.local_http import RecordingApi, allowed_site


class Site(RecordingApi):
    seen: list = []

    def do_GET(self):  # noqa: N802 - http.server's hook name
        Site.seen.append((self.path, dict(self.headers)))
        if self.path == "/slow-body":
            self.send_response(200)
            self.send_header("Content-Length", "20")
            self.end_headers()
            self.wfile.write(b"0123456789")
            self.wfile.flush()
            time.sleep(2)  # the other half comes after the read timeout
            return
        body = b'{"ok": true}' if self.path != "/missing" else b"not here"
        self.send_response(
            200 if self.path != "/missing" else 404, "Nope" if self.path == "/missing" else None
        )
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def site(app, monkeypatch):
    """The server's base URL; the connector may call 127.0.0.1 and waits 5 s unless told otherwise."""
    Site.seen = []
    with allowed_site(app, monkeypatch, Site, HTTP_CONNECTOR_TIMEOUT_SECONDS=5) as url:
        yield url


def _call(site: str, path: str = "/ok", **inputs) -> dict:
    return http_json({"method": "GET", "url": f"{site}{path}", **inputs}, "key")


def test_an_api_key_goes_in_a_header_or_in_the_query(site):
    key = {"type": "apiKey", "name": "X-Key", "value": "k-1", "apiKeyLocation": "headers"}
    assert _call(site, authentication=key)["body"] == {"ok": True}
    assert _call(site, authentication={**key, "name": "key", "apiKeyLocation": "query"})["status"] == 200
    (first_path, first_headers), (second_path, second_headers) = Site.seen
    assert (first_path, first_headers["X-Key"]) == ("/ok", "k-1")
    assert second_path == "/ok?key=k-1" and "X-Key" not in second_headers


def test_a_4xx_is_an_error_carrying_the_status_and_the_response(site):
    with pytest.raises(HttpStatusError) as failed:
        _call(site, "/missing")
    assert failed.value.context() == {
        "code": "404",
        "message": "Nope",
        "variables": {"response": {"headers": failed.value.response["headers"], "body": "not here"}},
    }


def test_the_read_timeout_bounds_a_body_that_stops_coming(site):
    with pytest.raises(ConnectionError, match="could not reach 127.0.0.1:.*timed out"):
        _call(site, "/slow-body", connectionTimeoutInSeconds="5", readTimeoutInSeconds="1")


def test_text_format_keeps_the_body_as_text(site):
    assert _call(site, documentReturnFormat={"choice": "TEXT"})["body"] == '{"ok": true}'


@pytest.mark.parametrize(
    ("authentication", "problem"),
    [
        ({"type": "bearer"}, "needs 'authentication.token' for bearer"),
        ({"type": "basic", "password": "p"}, "needs 'authentication.username' for basic"),
        ({"type": "oauth-client-credentials-flow"}, "authentication type 'oauth-client-credentials-flow'"),
    ],
)
def test_an_authentication_baton_cannot_send_is_refused_and_nothing_is_sent(site, authentication, problem):
    with pytest.raises(ConnectorRefused, match=problem):
        _call(site, authentication=authentication)
    assert Site.seen == []
