"""`make run`: migrate, bootstrap the admin token, deploy bpmn/ and dmn/, and serve on 127.0.0.1:$PORT.

On the embedded default (no DATABASE_URL, no REDIS_URL) everything lives under instance/.
"""

from __future__ import annotations

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
    children = [background(env), web(env, port)]
    print(f"Baton is serving on http://127.0.0.1:{port}  (Ctrl-C to stop)", flush=True)
    supervise(children)


def background(env: dict) -> subprocess.Popen:
    """Celery worker with beat embedded: service tasks, timers (on SQLite's broker unless REDIS_URL)."""
    return subprocess.Popen(
        [
            str(VENV_BIN / "celery"),
            "-A",
            "app.celery_worker:celery",
            "worker",
            "-B",
            "--concurrency=2",
            "--loglevel=INFO",
            "--without-mingle",
            "--without-gossip",
            "-s",
            str(INSTANCE / "celerybeat-schedule"),
        ],
        cwd=ROOT,
        env=env,
    )


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
    )


def supervise(children: list[subprocess.Popen]) -> None:
    """Wait until Ctrl-C (or one child exits), then stop every child and wait for it."""

    def stop(*_):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    for child in children:
        if child.poll() is None:
            child.terminate()
    for child in children:
        try:
            child.wait(20)
        except subprocess.TimeoutExpired:
            child.kill()
    sys.exit(0)


if __name__ == "__main__":
    main()
