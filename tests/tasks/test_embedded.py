"""The embedded default: `make run` (scripts/run.py) with no Redis and SQLite still fires timers on time."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import urllib.request
import uuid
from datetime import UTC, datetime

import pytest

from tests.conftest import DATA, ROOT
from tests.tasks.conftest import wait_for

pytestmark = pytest.mark.commits


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Http:
    def __init__(self, port: int, token: str):
        self.base, self.token = f"http://127.0.0.1:{port}/api/v1", token

    def call(self, path: str, body: bytes | None = None, content_type: str = "application/json"):
        method = "POST" if body else "GET"
        request = urllib.request.Request(self.base + path, data=body, method=method)  # noqa: S310 (http only)
        request.add_header("Authorization", f"Bearer {self.token}")
        if body:
            request.add_header("Content-Type", content_type)
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (local test server)
            return json.loads(response.read())

    def deploy(self, path) -> dict:
        boundary = uuid.uuid4().hex
        body = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{path.name}"\r\n'
                f"Content-Type: application/xml\r\n\r\n"
            ).encode()
            + path.read_bytes()
            + f"\r\n--{boundary}--\r\n".encode()
        )
        return self.call("/deployments", body, f"multipart/form-data; boundary={boundary}")


@pytest.fixture
def embedded(tmp_path):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY")}
    env.update(BATON_INSTANCE_DIR=str(tmp_path), PORT=str(port), BATON_ADMIN_TOKEN="bt_embedded_test")
    log = (tmp_path / "run.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "scripts/run.py"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    http = Http(port, "bt_embedded_test")

    def up():
        try:
            return "ready." in (tmp_path / "run.log").read_text() and http.call("/process-definitions")
        except OSError:
            return False

    wait_for(up, 60, 0.3)
    yield http, tmp_path
    proc.send_signal(signal.SIGINT)  # Ctrl-C stops the web server, the worker and beat
    assert proc.wait(30) == 0


def test_an_unquoted_pt2s_boundary_timer_fires_within_a_second_of_its_due_time(embedded):
    http, instance_dir = embedded
    http.deploy(DATA / "timers" / "boundary.bpmn")
    started = http.call("/process-definitions/timer_interrupting/instances", b"{}")
    with sqlite3.connect(instance_dir / "baton.db") as conn:
        (due,) = conn.execute("SELECT due_at FROM jobs WHERE kind = 'timer'").fetchone()
    due_at = datetime.fromisoformat(due).replace(tzinfo=UTC)

    def fired():
        items = http.call(f"/instances/{started['id']}/history")["items"]
        return next((h for h in items if h["element_id"] == "too_late"), None)

    entry = wait_for(fired, 10)
    fired_at = datetime.fromisoformat(entry["exited_at"]).replace(tzinfo=UTC)  # SQLite keeps UTC, naive
    lag = (fired_at - due_at).total_seconds()
    assert 0 <= lag < 1.0, lag
    print(f"embedded PT2S timer fired {lag:.3f}s after its due time")


def test_the_console_shows_the_work_not_the_once_a_second_sweep(embedded):
    http, instance_dir = embedded
    http.deploy(DATA / "timers" / "boundary.bpmn")
    started = http.call("/process-definitions/timer_interrupting/instances", b"{}")

    def fired():
        items = http.call(f"/instances/{started['id']}/history")["items"]
        return any(h["element_id"] == "too_late" for h in items)

    wait_for(fired, 10)  # beat and the worker have swept a few times by now
    log = (instance_dir / "run.log").read_text()
    assert "Baton is serving on" in log and "Admin API token" not in log  # (the token came from env)
    assert "Task baton.fire_timers[" in log  # the timer firing is logged
    assert "Task baton.sweep[" not in log and "Sending due task sweep-due-jobs" not in log
    assert "setup plugin" not in log  # alembic's import-time chatter


def test_service_tasks_run_and_a_failing_one_retries_into_an_incident_in_embedded_mode(embedded):
    http, _ = embedded
    http.deploy(DATA / "service" / "echo.bpmn")
    echoed = http.call("/process-definitions/svc_echo/instances", b'{"variables": {"order": 7}}')
    path = f"/instances/{echoed['id']}"
    body = wait_for(lambda: (b := http.call(path))["active_elements"] == ["review"] and b)
    assert body["variables"]["echo"] == {"order": 7}
    http.deploy(DATA / "service" / "interval_list.bpmn")  # PT1S,PT2S: three attempts, no handler here
    failing = http.call("/process-definitions/svc_interval_list/instances", b"{}")
    incidents = wait_for(lambda: http.call(f"/incidents?instance_id={failing['id']}")["items"], 20)
    assert "after 3 attempt(s)" in incidents[0]["message"] and "test.always_fails" in incidents[0]["message"]
    assert http.call(f"/instances/{failing['id']}")["status"] == "failed"
