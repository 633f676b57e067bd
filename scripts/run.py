"""`make run`: migrate, bootstrap the admin token, deploy bpmn/ and dmn/, and serve on 127.0.0.1:$PORT.

On the embedded default (no DATABASE_URL, no REDIS_URL) everything lives under instance/.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
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
    print(f"Baton is serving on http://127.0.0.1:{port}  (Ctrl-C to stop)", flush=True)
    os.execve(
        str(VENV_BIN / "gunicorn"),
        [
            "gunicorn",
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
        env,
    )


if __name__ == "__main__":
    main()
