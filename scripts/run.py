"""`make run`: migrate, bootstrap the admin token, deploy bpmn/ and dmn/, and serve on 127.0.0.1:$PORT.

On the embedded default (no DATABASE_URL, no REDIS_URL) everything lives under instance/.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
INSTANCE = Path(os.environ.get("BATON_INSTANCE_DIR", ROOT / "instance"))


def flask(*args: str, env: dict) -> None:
    subprocess.run([str(VENV_BIN / "flask"), "--app", "app:create_app", *args], check=True, cwd=ROOT, env=env)


def admin_token() -> tuple[str, bool]:
    if os.environ.get("BATON_ADMIN_TOKEN"):
        return os.environ["BATON_ADMIN_TOKEN"], False
    INSTANCE.mkdir(parents=True, exist_ok=True)
    path = INSTANCE / "admin_token"
    if not path.exists():
        path.write_text("bt_" + secrets.token_urlsafe(32))
        path.chmod(0o600)
    return path.read_text().strip(), True


def main() -> None:
    env = dict(os.environ)
    env.setdefault("BATON_INSTANCE_DIR", str(INSTANCE))
    token, generated = admin_token()
    env["BATON_ADMIN_TOKEN"] = token
    port = env.get("PORT", "5000")
    flask("db", "upgrade", env=env)
    flask("baton", "bootstrap", env=env)
    flask("baton", "deploy-dir", "bpmn", "dmn", env=env)
    if generated:
        print(f"\nAdmin API token (kept in {INSTANCE / 'admin_token'}):\n  {token}\n", flush=True)
    children = [worker(env, "handlers", 4), worker(env, "celery", 2), beat(env), web(env, port)]
    print(f"Baton is serving on http://127.0.0.1:{port}  (Ctrl-C to stop)", flush=True)
    supervise(children)


def celery(*args: str, env: dict) -> subprocess.Popen:
    # Each child leads its own process group, so stopping it also stops anything it forked.
    command = [str(VENV_BIN / "celery"), "-A", "app.celery_worker:celery", *args, "--loglevel=INFO"]
    return subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)


def worker(env: dict, queue: str, threads: int) -> subprocess.Popen:
    """One queue's worker (on SQLite's broker unless REDIS_URL). Threads: no forks. `handlers` runs
    service tasks and notifications, `celery` the sweep and timers: slow handlers never delay a timer."""
    options = ("--pool=threads", f"--concurrency={threads}", "-Q", queue, "-n", f"{queue}@%h")
    return celery("worker", *options, "--without-mingle", "--without-gossip", env=env)


def beat(env: dict) -> subprocess.Popen:
    """The one periodic schedule (due-timer sweep every second, SLA checks)."""
    return celery("beat", "-s", str(INSTANCE / "celerybeat-schedule"), env=env)


def web(env: dict, port: str) -> subprocess.Popen:
    return subprocess.Popen(
        [
            str(VENV_BIN / "gunicorn"),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--threads",
            "8",
            "--access-logfile",
            "-",
            "app.wsgi:app",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )


def supervise(children: list[subprocess.Popen]) -> None:
    """Wait until Ctrl-C (or one child exits), then stop every child and wait for it."""

    def stop(*_):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    # Also Ctrl-C's: started in the background by a shell without job control, the process
    # inherits SIGINT ignored, and Python then installs no KeyboardInterrupt for it.
    signal.signal(signal.SIGINT, stop)
    try:
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    stop_all(children)
    sys.exit(0)


def stop_all(children: list[subprocess.Popen], grace: float = 10.0) -> None:
    """SIGTERM every child's process group, give them `grace` seconds together, then SIGKILL."""
    for child in children:
        _signal_group(child, signal.SIGTERM)
    deadline = time.monotonic() + grace
    for child in children:
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.wait(max(0.1, deadline - time.monotonic()))
        _signal_group(child, signal.SIGKILL)


def _signal_group(child: subprocess.Popen, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(child.pid, sig)


if __name__ == "__main__":
    main()
