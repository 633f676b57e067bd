"""Notification webhooks name their URL in the model, so they get the HTTP connector's guard: only
hosts BATON_WEBHOOK_ALLOWED_HOSTS names are called, and a redirect is not followed."""

from __future__ import annotations

from dataclasses import replace
from http.server import BaseHTTPRequestHandler

import pytest

from app.services import identity
from app.services.notify_channels import NotConfigured, send_webhook
from app.services.secrets_store import set_secret
from tests.local_http import serving


class Hook(BaseHTTPRequestHandler):
    """Answers /moved with a redirect to /inside; records every path it is asked for."""

    paths: list[str] = []

    def do_POST(self):  # noqa: N802 - http.server's hook name
        Hook.paths.append(self.path)
        self.send_response(302 if self.path == "/moved" else 204)
        if self.path == "/moved":
            self.send_header("Location", "/inside")
        self.end_headers()

    do_GET = do_POST  # (a followed 302 would come back as a GET)

    def log_message(self, *args):
        pass


@pytest.fixture
def hook_port(app, db_session, monkeypatch):
    identity.create_user("hooker", roles="admin")
    set_secret(identity.get_user("hooker"), "webhook", "s3cret")
    monkeypatch.setitem(
        app.config, "BATON", replace(app.config["BATON"], WEBHOOK_ALLOWED_HOSTS=("127.0.0.1",))
    )
    Hook.paths = []
    with serving(Hook) as port:
        yield port


def _event(url: str) -> dict:
    return {"url": url, "secret": "webhook", "json": {"event": "task_created"}}


def test_an_allowed_host_gets_the_event(hook_port):
    send_webhook(_event(f"http://127.0.0.1:{hook_port}/hook"), "default")
    assert Hook.paths == ["/hook"]


def test_a_host_the_configuration_does_not_name_is_never_called(hook_port):
    with pytest.raises(NotConfigured, match=f"may not call localhost:{hook_port}") as refused:
        send_webhook(_event(f"http://localhost:{hook_port}/hook"), "default")
    assert "BATON_WEBHOOK_ALLOWED_HOSTS" in str(refused.value) and Hook.paths == []
    with pytest.raises(NotConfigured, match="http\\(s\\) URLs only, got a file URL"):
        send_webhook(_event("file:///etc/passwd"), "default")


def test_a_redirect_is_an_answer_not_a_hop(hook_port):
    with pytest.raises(ConnectionError, match="webhook answered 302"):
        send_webhook(_event(f"http://127.0.0.1:{hook_port}/moved"), "default")
    assert Hook.paths == ["/moved"]  # /inside was never asked for
