"""A real Celery worker (with beat) on real Redis and a committed PostgreSQL database of its own.

These tests need real commits (the worker is another process), so they are marked `commits`,
build the app on baton_test_celery_commits, and drop that database at the end.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from flask_migrate import upgrade
from sqlalchemy.engine import make_url

from app import create_app
from app.config import Config
from app.extensions import db
from tests.conftest import ROOT, TEST_DB_URL, Api, recreate_database

# Named after the test database, so parallel runs on different BATON_TEST_DATABASE_URLs never share it.
_CELERY_DB = f"{make_url(TEST_DB_URL).database}_celery_commits"
COMMITS_DB_URL = make_url(TEST_DB_URL).set(database=_CELERY_DB).render_as_string(False)
REDIS_URL = os.environ.get("BATON_TEST_REDIS_URL", "redis://localhost:6379/5")
CELERY = str(Path(sys.executable).parent / "celery")


def wait_for(check, timeout: float = 15.0, interval: float = 0.1):
    """Poll `check()` until it returns something truthy; fail with the last value after `timeout`."""
    deadline, value = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s (last value: {value!r})")


def start_worker(env: dict, workdir: Path, name: str) -> subprocess.Popen:
    log = (workdir / f"{name}.log").open("w")
    proc = subprocess.Popen(
        [
            CELERY,
            "-A",
            "app.celery_worker:celery",
            "worker",
            "-B",
            "--concurrency=2",
            "--loglevel=INFO",
            "-s",
            str(workdir / f"{name}-beat"),
            "-n",
            f"{name}@%h",
            "--without-mingle",
            "--without-gossip",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    wait_for(lambda: "ready." in (workdir / f"{name}.log").read_text() or proc.poll() is not None, 30)
    assert proc.poll() is None, (workdir / f"{name}.log").read_text()
    return proc


def stop_worker(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


@pytest.fixture(scope="session")
def effects_dir(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("effects")
    os.environ["BATON_TEST_EFFECTS_DIR"] = str(path)
    return path


@pytest.fixture(scope="session")
def commits_app(tmp_path_factory):
    recreate_database(COMMITS_DB_URL)
    redis.Redis.from_url(REDIS_URL).flushdb()
    config = Config(DATABASE_URL=COMMITS_DB_URL, REDIS_URL=REDIS_URL, SECRET_KEY="test-secret", TESTING=True)
    application = create_app(config)
    with application.app_context():
        upgrade()
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()
    recreate_database(COMMITS_DB_URL)  # leaves an empty database: nothing committed survives


class Mailbox:
    """An aiosmtpd handler keeping every message it receives."""

    def __init__(self):
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        from email import message_from_bytes, policy

        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


@pytest.fixture(scope="session")
def smtp_server():
    """A real SMTP server on 127.0.0.1 and a free port; the worker sends email notifications to it."""
    import socket

    from aiosmtpd.controller import Controller

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield mailbox, port
    controller.stop()


@pytest.fixture(scope="session")
def worker_dir(tmp_path_factory) -> Path:
    """The worker's instance directory; its log (stdout and stderr, INFO and up) is `baton-test.log`."""
    return tmp_path_factory.mktemp("worker")


@pytest.fixture(scope="session")
def worker(commits_app, effects_dir, smtp_server, worker_dir):
    workdir = worker_dir
    env = {
        **os.environ,
        "DATABASE_URL": COMMITS_DB_URL,
        "REDIS_URL": REDIS_URL,
        "SECRET_KEY": "test-secret",
        "BATON_INSTANCE_DIR": str(workdir),
        "BATON_HANDLER_MODULES": "tests.tasks.handlers",
        "PYTHONPATH": str(ROOT),
        "BATON_TEST_EFFECTS_DIR": str(effects_dir),
        "BATON_SMTP_HOST": "127.0.0.1",
        "BATON_SMTP_PORT": str(smtp_server[1]),
        "BATON_SMTP_FROM": "baton@test.example",
        # The HTTP connector may call the tests' servers on 127.0.0.1 (any port), nothing else.
        "BATON_HTTP_CONNECTOR_ALLOWED_HOSTS": "127.0.0.1",
        "BATON_WEBHOOK_ALLOWED_HOSTS": "127.0.0.1",
    }
    proc = start_worker(env, workdir, "baton-test")
    yield proc
    stop_worker(proc)


@pytest.fixture(scope="session")
def api(commits_app, worker) -> Api:
    from app.services import identity

    with commits_app.app_context():
        identity.create_user("celery-admin", roles="admin", password="pw")
        token = identity.create_token("celery-admin")
    ctx = commits_app.app_context()
    ctx.push()
    yield Api(commits_app.test_client(), token)
    ctx.pop()
