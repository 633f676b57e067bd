"""A real HTTP server on 127.0.0.1 for the tests of what Baton calls out to (connectors)."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class RecordingApi(BaseHTTPRequestHandler):
    """A local API's handler: `record` keeps each request in the class's `received` (method, path,
    headers, body), `answer` sends a status and a body, and nothing is logged."""

    received: list = []

    def record(self, body: bytes | None = None) -> None:
        if body is None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        type(self).received.append((self.command, self.path, dict(self.headers), body))

    def answer(self, status: int, body: bytes, content_type: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@contextmanager
def serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[int]:
    """Serve `handler` on a free port of 127.0.0.1 in a thread; yields the port."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield httpd.server_port
    finally:
        httpd.shutdown()
        httpd.server_close()


@contextmanager
def allowed_site(app, monkeypatch, handler: type[BaseHTTPRequestHandler], **settings) -> Iterator[str]:
    """`handler` served on 127.0.0.1, a host the HTTP connectors may call (with `settings` replacing
    the app's other configuration for the test); yields its base URL, inside an app context."""
    config = dataclasses.replace(app.config["BATON"], HTTP_CONNECTOR_ALLOWED_HOSTS=("127.0.0.1",), **settings)
    monkeypatch.setitem(app.config, "BATON", config)
    with serving(handler) as port, app.app_context():
        yield f"http://127.0.0.1:{port}"
