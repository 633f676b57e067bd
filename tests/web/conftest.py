"""Browser fixtures: the app on a real HTTP server with its own database, and headless Chromium.

Browser tests commit for real (the server runs in another thread with its own sessions), so they
use a dedicated database, created at the start of the session and dropped at the end.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.conftest import ROOT, TEST_DB_URL, make_config, recreate_database

CHROMIUM = os.environ.get("BATON_CHROMIUM", "/usr/bin/chromium")
OUTPUT = ROOT / "test-output"
BROWSER_DB_URL = make_url(TEST_DB_URL).set(database=f"{make_url(TEST_DB_URL).database}_web_browser")


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def live_server():
    """(base_url, app): the app served by werkzeug on a free port of 127.0.0.1."""
    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from app import create_app
    from app.extensions import db

    url = BROWSER_DB_URL.render_as_string(hide_password=False)
    recreate_database(url)
    application = create_app(make_config(url))
    with application.app_context():
        upgrade()
    server = make_server("127.0.0.1", 0, application, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", application
    server.shutdown()
    thread.join(timeout=5)
    with application.app_context():
        db.engine.dispose()
    _drop(url)


def _drop(url: str) -> None:
    import psycopg

    parsed = make_url(url)
    admin = parsed.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium (never `playwright install`)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, request):
    """A fresh browser context per test; on failure, a screenshot of every page the test visited."""
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    visited: list[str] = []
    tab.on("framenavigated", lambda frame: frame == tab.main_frame and visited.append(frame.url))
    yield tab
    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    if failed:
        _screenshots(context, tab, visited, request.node.name)
    context.close()


def _screenshots(context, tab, visited: list[str], name: str) -> None:
    OUTPUT.mkdir(exist_ok=True)
    tab.screenshot(path=str(OUTPUT / f"{name}-final.png"), full_page=True)
    again = context.new_page()
    for number, url in enumerate(dict.fromkeys(visited)):
        try:
            again.goto(url)
            again.screenshot(path=str(OUTPUT / f"{name}-{number:02d}.png"), full_page=True)
        except Exception as exc:  # noqa: BLE001  (a failed screenshot must not hide the test's failure)
            print(f"screenshot of {url} failed: {exc}")
