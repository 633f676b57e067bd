"""`make run` on the embedded default: SQLite, no Redis, the examples deployed, a task completed."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from tests.conftest import ROOT


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _call(port, path, token=None, body=None):
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1{path}",
        method="POST" if body is not None else "GET",
        data=json.dumps(body).encode() if body is not None else None,
        headers={
            "Content-Type": "application/json",
            **({"Authorization": f"Bearer {token}"} if token else {}),
        },
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310  (http://127.0.0.1 only)
        return json.loads(response.read())


@pytest.fixture
def embedded_server(tmp_path):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "BATON_ADMIN_TOKEN")}
    env.update(PORT=str(port), BATON_INSTANCE_DIR=str(tmp_path / "instance"))
    log = (tmp_path / "server.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "scripts" / "run.py")],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            _call(port, "/health")
            break
        except (urllib.error.URLError, ConnectionError):
            assert proc.poll() is None, (tmp_path / "server.log").read_text()
            time.sleep(0.3)
    yield port, tmp_path
    os.killpg(proc.pid, 15)  # what Ctrl-C does: run.py stops its server, worker and beat
    proc.wait(30)
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()


def test_make_run_serves_the_examples_on_sqlite(embedded_server):
    port, tmp_path = embedded_server
    token = (tmp_path / "instance" / "admin_token").read_text().strip()
    assert (tmp_path / "instance" / "baton.db").exists()
    assert token in (tmp_path / "server.log").read_text()
    keys = [d["key"] for d in _call(port, "/process-definitions", token)["items"]]
    assert "remanufacturing" in keys
    started = _call(port, "/process-definitions/remanufacturing/instances", token, {"business_key": "P-1"})
    task = started["tasks"][0]
    assert task["element_id"] == "Task_receive"
    _call(port, f"/tasks/{task['id']}/complete", token, {"variables": {"serial_number": "SN-9"}})
    assert _call(port, f"/instances/{started['id']}", token)["active_elements"] == ["Task_disassemble"]
