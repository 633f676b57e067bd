"""Calls a model makes the server send (the HTTP connector, notification webhooks): the guard
against using the server as a proxy into its own network (SSRF).

Only http(s) URLs on hosts an allow-list names are called (an entry is `host` for any port,
`host:port`, or `*`); redirects are not followed (following one could leave the allowed hosts);
connections are direct, never through a proxy from the environment. A request may carry its own
`read_timeout` (Camunda 8's REST connector separates it from the connection timeout, which is the
request's `timeout`); without one, one timeout bounds both.
"""

from __future__ import annotations

import http.client
import urllib.request
from urllib.parse import urlsplit

_DEFAULT_PORTS = {"http": 80, "https": 443}


class HostRefused(RuntimeError):
    """The call may not be made. Retrying cannot help (the model or the configuration must change)."""

    retryable = False


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # the 3xx itself is the answer


class _ReadTimeout:
    """Mixed into a connection: once connected, the socket waits `read_timeout` for each read."""

    def __init__(self, *args, read_timeout: float | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.read_timeout = read_timeout

    def connect(self):
        super().connect()
        if self.read_timeout is not None:
            self.sock.settimeout(self.read_timeout)


class _HTTPConnection(_ReadTimeout, http.client.HTTPConnection):
    pass


class _HTTPSConnection(_ReadTimeout, http.client.HTTPSConnection):
    pass


class _HTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req):
        return self.do_open(_HTTPConnection, req, read_timeout=getattr(req, "read_timeout", None))


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req):
        read_timeout = getattr(req, "read_timeout", None)
        context, check_hostname = self._context, self._check_hostname
        return self.do_open(
            _HTTPSConnection, req, context=context, check_hostname=check_hostname, read_timeout=read_timeout
        )


# Direct (no proxy from the environment), and a 3xx is the answer, not a hop.
opener = urllib.request.build_opener(
    urllib.request.ProxyHandler({}), _NoRedirects(), _HTTPHandler(), _HTTPSHandler()
)


def allowed_host(url: str, allowed: tuple[str, ...], caller: str, setting: str, refused=HostRefused) -> str:
    """The URL's `host:port` when `allowed` names it; `refused` (naming the host and `setting`) if not."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        raise refused(f"{caller} calls http(s) URLs only, got a {scheme or 'relative'} URL")
    name = parts.hostname.lower()
    port = parts.port or _DEFAULT_PORTS[scheme]
    host = f"[{name}]:{port}" if ":" in name else f"{name}:{port}"
    if "*" in allowed or name in allowed or host in allowed:
        return host
    raise refused(f"{caller} may not call {host}: the host is not in {setting}")
