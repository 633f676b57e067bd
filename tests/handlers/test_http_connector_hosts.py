"""Which URLs the HTTP connector may call (the SSRF guard), without a network."""

import pytest

from app.handlers.http_connector import ConnectorRefused, allowed_host


@pytest.mark.parametrize(
    ("url", "allowed", "host"),
    [
        ("https://api.example.com/rates", ("api.example.com",), "api.example.com:443"),
        ("http://API.example.com:8080/x", ("api.example.com:8080",), "api.example.com:8080"),
        ("http://anything.test/", ("*",), "anything.test:80"),
        ("http://[::1]:9000/", ("[::1]:9000",), "[::1]:9000"),
    ],
)
def test_an_allowed_host_is_given_back_with_its_port(url, allowed, host):
    assert allowed_host(url, allowed) == host


@pytest.mark.parametrize(
    ("url", "allowed", "problem"),
    [
        ("http://169.254.169.254/latest/meta-data", ("api.example.com",), "may not call 169.254.169.254:80"),
        ("http://api.example.com:9999/", ("api.example.com:8080",), "may not call api.example.com:9999"),
        ("https://api.example.com/", (), "BATON_HTTP_CONNECTOR_ALLOWED_HOSTS"),
        ("file:///etc/passwd", ("*",), "http(s) URLs only, got a file URL"),
        ("gopher://api.example.com/", ("*",), "http(s) URLs only"),
        ("/relative/path", ("*",), "got a relative URL"),
    ],
)
def test_a_host_or_scheme_not_allowed_is_refused_naming_it(url, allowed, problem):
    with pytest.raises(ConnectorRefused) as refused:
        allowed_host(url, allowed)
    assert problem in str(refused.value)
