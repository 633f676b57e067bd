"""The per-account sign-in limit over HTTP: failures from any address count toward one pause of that
username, no other username's failures ever do, and the pause ends as the failures leave the window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.frozen_clock import freeze_sign_in_clock
from tests.web.test_pages import csrf_of

START = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def sign_in_from(app, address: str, username: str, password: str):
    """A sign-in POST from `address`, by a browser of its own (so no session carries over)."""
    browser = app.test_client()
    token = csrf_of(browser.get("/login").get_data(as_text=True))
    form = {"username": username, "password": password, "csrf_token": token}
    return browser.post("/login", data=form, environ_base={"REMOTE_ADDR": address})


def page_text(response) -> str:
    return response.get_data(as_text=True)


def test_guesses_spread_over_many_addresses_pause_that_account_until_they_leave_the_window(
    app, admin, make_user, monkeypatch
):
    clock = freeze_sign_in_clock(monkeypatch, START)
    make_user("alice")
    make_user("bob")
    for i in range(20):  # one guess every 30 s, each from a new address: never 5 a minute from one
        clock.moment = START + timedelta(seconds=30 * i)
        assert sign_in_from(app, f"10.0.0.{i}", "alice", f"guess-{i}").status_code == 401

    clock.moment = START + timedelta(minutes=10)
    paused = sign_in_from(app, "10.9.9.9", "alice", "pw-alice")  # the right password, a fresh address
    assert paused.status_code == 429
    assert paused.headers["Retry-After"] == "300"  # the first guess leaves the 15 minutes in 5
    assert (
        "Too many failed sign-ins for this account, from any address: 20 in 15 minutes. "
        "Try again in 5 minutes." in page_text(paused)
    )
    assert sign_in_from(app, "10.0.0.3", "bob", "pw-bob").status_code == 302  # same address, other user

    blocked = admin.get("/audit?action=user.sign_in_blocked").json["items"]
    assert [(e["after"]["username"], e["after"]["address"], e["after"]["limit"]) for e in blocked] == [
        ("alice", "10.9.9.9", "account")
    ]
    assert "20 in 15 minutes" in blocked[0]["reason"] and blocked[0]["actor"] == "anonymous"
    assert len(admin.get("/audit?action=user.sign_in_failed").json["items"]) == 20  # a pause is no failure

    clock.moment = START + timedelta(minutes=15, seconds=-1)
    still = sign_in_from(app, "10.9.9.9", "alice", "pw-alice")
    assert still.status_code == 429 and still.headers["Retry-After"] == "1"
    clock.moment = START + timedelta(minutes=15)  # the first guess has left the window: 19 remain
    assert sign_in_from(app, "10.9.9.9", "alice", "pw-alice").status_code == 302


def test_failures_of_other_usernames_never_pause_an_account(app, make_user, monkeypatch):
    monkeypatch.setattr(app.config["BATON"], "SIGN_IN_ACCOUNT_MAX_FAILURES", 3)
    make_user("carol")
    make_user("dave")
    for i, name in enumerate(["dave", "dave", "dave", "nobody", "nobody", "nobody", "carl", "carol-x"]):
        assert sign_in_from(app, f"10.0.1.{i}", name, "guess").status_code == 401
    assert sign_in_from(app, "10.0.1.0", "dave", "pw-dave").status_code == 429
    assert sign_in_from(app, "10.0.1.0", "carol", "pw-carol").status_code == 302


def test_an_unknown_username_is_paused_exactly_as_a_known_one(app, make_user, monkeypatch):
    """The pause must not tell which usernames exist: the same status, header and words for both."""
    monkeypatch.setattr(app.config["BATON"], "SIGN_IN_ACCOUNT_MAX_FAILURES", 3)
    freeze_sign_in_clock(monkeypatch, START)
    make_user("erin")
    for name in ("erin", "ghost"):
        for i in range(3):
            assert sign_in_from(app, f"10.0.2.{i}", name, "guess").status_code == 401
    known, unknown = (sign_in_from(app, "10.0.3.1", name, "guess") for name in ("erin", "ghost"))
    assert known.status_code == unknown.status_code == 429
    assert known.headers["Retry-After"] == unknown.headers["Retry-After"] == "900"

    def seen(response, name: str) -> str:  # the page, its username and fresh CSRF token aside
        html = page_text(response)
        return html.replace(csrf_of(html), "TOKEN").replace(name, "NAME")

    assert seen(known, "erin") == seen(unknown, "ghost")
    assert "for this account, from any address: 3 in 15 minutes" in page_text(unknown)


@pytest.mark.parametrize("value", ["0", "-3", "twenty"])
def test_a_sign_in_limit_that_is_not_a_positive_number_stops_the_start(value):
    from app.config import Config, ConfigError

    with pytest.raises(ConfigError, match=f"BATON_SIGN_IN_ACCOUNT_MAX_FAILURES must be .*{value!r}"):
        Config.from_env({"BATON_SIGN_IN_ACCOUNT_MAX_FAILURES": value})
    with pytest.raises(ConfigError, match="BATON_SIGN_IN_ACCOUNT_WINDOW_MINUTES"):
        Config.from_env({"BATON_SIGN_IN_ACCOUNT_WINDOW_MINUTES": value})


def test_the_account_limit_defaults_to_20_in_15_minutes_and_is_read_from_the_environment():
    from app.config import Config

    default = Config.from_env({})
    assert (default.SIGN_IN_ACCOUNT_MAX_FAILURES, default.SIGN_IN_ACCOUNT_WINDOW_MINUTES) == (20, 15)
    env = {"BATON_SIGN_IN_ACCOUNT_MAX_FAILURES": "50", "BATON_SIGN_IN_ACCOUNT_WINDOW_MINUTES": "60"}
    configured = Config.from_env(env)
    assert (configured.SIGN_IN_ACCOUNT_MAX_FAILURES, configured.SIGN_IN_ACCOUNT_WINDOW_MINUTES) == (50, 60)
