"""The HTTP connector's limits against a real server on 127.0.0.1: no redirects followed, the body
cap, the timeout (called directly, with the app's configuration narrowed for each test)."""

from __future__ import annotations

import time

import pytest

from app.handlers.http_connector import ConnectorRefused, http_connector
from tests.local_http import RecordingApi, allowed_site


class Site(RecordingApi):
    paths: list = []

    def do_GET(self):  # noqa: N802 - http.server's hook name
        Site.paths.append(self.path)
        if self.path == "/moved":  # to a host the connector may not call
            self.send_response(302)
            self.send_header("Location", "http://169.254.169.254/latest/meta-data")
            self.end_headers()
        elif self.path in ("/slow", "/slow-body"):
            if self.path == "/slow":
                time.sleep(2)
            self.send_response(200)
            self.send_header("Content-Length", "20")
            self.end_headers()
            self.wfile.write(b"0123456789")
            self.wfile.flush()
            time.sleep(2)  # the other half never comes in time
        else:
            body = b"x" * 100
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)


@pytest.fixture
def site(app, monkeypatch):
    """The server's base URL; the connector may call 127.0.0.1, reads 50 bytes, waits 1 s."""
    Site.paths = []
    settings = {"HTTP_CONNECTOR_MAX_BYTES": 50, "HTTP_CONNECTOR_TIMEOUT_SECONDS": 1}
    with allowed_site(app, monkeypatch, Site, **settings) as url:
        yield url


def test_a_redirect_is_the_result_and_is_not_followed(site):
    result = http_connector({"url": f"{site}/moved", "method": "GET"}, "key")
    assert result["statusCode"] == 302
    assert result["headers"]["Location"] == "http://169.254.169.254/latest/meta-data"
    assert Site.paths == ["/moved"]


def test_a_body_over_the_cap_fails_the_attempt_naming_it(site):
    with pytest.raises(ValueError, match="over 50 bytes .BATON_HTTP_CONNECTOR_MAX_BYTES"):
        http_connector({"url": f"{site}/big", "method": "GET"}, "key")


@pytest.mark.parametrize("path", ["/slow", "/slow-body"])
def test_a_server_slower_than_the_timeout_fails_the_attempt(site, path):
    with pytest.raises(ConnectionError, match="could not reach 127.0.0.1:.*timed out"):
        http_connector({"url": f"{site}{path}", "method": "GET"}, "key")


def test_a_header_value_with_a_line_break_is_refused_without_quoting_it(site):
    headers = {"Authorization": "Bearer s3cret\r\nX-Injected: 1"}
    with pytest.raises(Exception, match="header 'Authorization' holds a line break") as refused:
        http_connector({"url": f"{site}/ok", "method": "GET", "headers": headers}, "key")
    assert "s3cret" not in str(refused.value) and Site.paths == []


@pytest.mark.parametrize("url", ["/ok?key=s3cret value", "/ok?key=s3cret\x7f", "/ok?key=s3crét"])
def test_a_url_http_cannot_carry_is_refused_without_quoting_it(site, url):
    with pytest.raises(ConnectorRefused, match="'url' holds a space, a control or a non-ASCII") as refused:
        http_connector({"url": f"{site}{url}", "method": "GET"}, "key")
    assert "s3cr" not in str(refused.value) and Site.paths == []


def test_a_header_value_http_cannot_carry_is_refused_without_quoting_it(site):
    with pytest.raises(ConnectorRefused, match="header 'Authorization' holds a character") as refused:
        http_connector({"url": f"{site}/ok", "method": "GET", "headers": {"Authorization": "s3cr€t"}}, "key")
    assert "€" not in str(refused.value) and Site.paths == []
