"""The client address sign-in limits and the audit trail see: the connection's own, unless the
server is told how many reverse proxies stand in front of it (BATON_TRUSTED_PROXIES). A client
cannot dodge the per-address limit with a forged X-Forwarded-For; behind a trusted proxy each
forwarded client is limited on its own, not everyone behind the proxy together."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from werkzeug.middleware.proxy_fix import ProxyFix

from app import _trust_proxies, create_app
from app.config import Config, ConfigError
from tests.conftest import TEST_DB_URL
from tests.frozen_clock import freeze_sign_in_clock
from tests.web.test_pages import csrf_of

START = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def sign_in_via(app, connection: str, forwarded: str, username: str, password: str):
    browser = app.test_client()
    token = csrf_of(browser.get("/login").get_data(as_text=True))
    form = {"username": username, "password": password, "csrf_token": token}
    headers = {"X-Forwarded-For": forwarded}
    return browser.post("/login", data=form, headers=headers, environ_base={"REMOTE_ADDR": connection})


def test_a_forged_forwarded_for_does_not_dodge_the_per_address_limit(app, make_user, monkeypatch):
    freeze_sign_in_clock(monkeypatch, START)
    make_user("carol")
    for i in range(5):  # five guesses from one connection, each claiming another address
        assert sign_in_via(app, "10.0.0.1", f"203.0.113.{i}", "carol", "guess").status_code == 401
    paused = sign_in_via(app, "10.0.0.1", "198.51.100.7", "carol", "pw-carol")
    assert paused.status_code == 429 and "from this address" in paused.get_data(as_text=True)


@pytest.fixture
def behind_one_proxy(app, monkeypatch):
    monkeypatch.setattr(app, "wsgi_app", app.wsgi_app)  # (put back after the test)
    _trust_proxies(app, 1)
    return app


def test_behind_a_trusted_proxy_each_forwarded_client_is_limited_on_its_own(
    behind_one_proxy, admin, make_user, monkeypatch
):
    freeze_sign_in_clock(monkeypatch, START)
    make_user("dave")
    for _ in range(5):
        assert sign_in_via(behind_one_proxy, "10.0.0.254", "203.0.113.5", "dave", "guess").status_code == 401
    assert sign_in_via(behind_one_proxy, "10.0.0.254", "203.0.113.5", "dave", "pw-dave").status_code == 429
    # Another client behind the same proxy is not paused by the first one's guesses.
    assert sign_in_via(behind_one_proxy, "10.0.0.254", "198.51.100.7", "dave", "pw-dave").status_code == 302
    failed = admin.get("/audit?action=user.sign_in_failed").json["items"]
    assert {e["after"]["address"] for e in failed} == {"203.0.113.5"}  # the client, not the proxy


def test_trusted_proxies_are_read_from_the_environment_and_wrap_the_app():
    assert Config.from_env({}).TRUSTED_PROXIES == 0
    assert Config.from_env({"BATON_TRUSTED_PROXIES": "2"}).TRUSTED_PROXIES == 2
    for wrong in ("-1", "one"):
        with pytest.raises(ConfigError, match="BATON_TRUSTED_PROXIES must be a whole number of at least 0"):
            Config.from_env({"BATON_TRUSTED_PROXIES": wrong})
    config = Config(DATABASE_URL=TEST_DB_URL, SECRET_KEY="k", TESTING=True, TRUSTED_PROXIES=1)
    assert isinstance(create_app(config).wsgi_app, ProxyFix)
