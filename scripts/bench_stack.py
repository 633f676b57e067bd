"""The production shape on 127.0.0.1 for `make bench`: a fresh PostgreSQL database, gunicorn,
and (when app/celery_worker.py exists) a Celery worker and beat.

Every process is started in its own session so a Ctrl-C in the terminal reaches only the
orchestrator, which then stops each group it started, by its id, in `Stack.stop()`.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import runpy
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
RESULTS = Path(os.environ.get("BENCH_RESULTS", ROOT / "bench-results"))  # (the tests write elsewhere)
GUNICORN_CONF = ROOT / "gunicorn.conf.py"
# Production's worker class, process and thread counts and keep-alive; --workers / --threads override.
GUNICORN = runpy.run_path(str(GUNICORN_CONF))


@dataclass
class Settings:
    """What the bench runs against; every field can be set from the command line or environment."""

    pg_url: str = "postgresql://postgres@localhost:5432"
    database: str = os.environ.get("BENCH_DB", "baton_bench")  # two runs at once need two databases
    redis_url: str = "redis://localhost:6379/7"
    workers: int = GUNICORN["workers"]
    threads: int = GUNICORN["threads"]
    # A firing process waits on PostgreSQL about half the time: two per core keep the cores busy
    # (docker-compose.yml runs 4).
    celery_concurrency: int = 2 * (os.cpu_count() or 1)
    duration: float = 15.0
    clients: tuple[int, ...] = (1, 8, 32)
    rounds: int = 1  # (floor, B1 at 8 clients) pairs measured alternately after the usual steps
    quick: bool = False
    only: tuple[str, ...] = ()
    profile: bool = False
    keep_db: bool = False
    reuse_db: bool = False
    inbox_rows: int = 1_000_000
    active_instances: int = 10_000

    @property
    def database_url(self) -> str:
        return f"{self.pg_url}/{self.database}"

    def wants(self, scenario: str) -> bool:
        return not self.only or scenario in self.only


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def reset_database(pg_url: str, name: str) -> None:
    """Drop and create `name` (dropping first ends any session a crashed run left behind)."""
    with psycopg.connect(f"{pg_url}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def database_exists(pg_url: str, name: str) -> bool:
    with psycopg.connect(f"{pg_url}/postgres", autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is not None


def drop_database(pg_url: str, name: str) -> None:
    with psycopg.connect(f"{pg_url}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def server_env(settings: Settings, instance_dir: str, port: int) -> dict:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=settings.database_url,
        REDIS_URL=settings.redis_url,
        SECRET_KEY=secrets.token_urlsafe(32),
        BATON_INSTANCE_DIR=instance_dir,
        PORT=str(port),
        BATON_BASE_URL=f"http://127.0.0.1:{port}",
    )
    return env


def gunicorn_argv(settings: Settings, port: int, app_spec: str, *options: str) -> list[str]:
    """gunicorn as production runs it (gunicorn.conf.py), with the bench's process and thread counts."""
    argv = [str(VENV_BIN / "gunicorn"), "--config", str(GUNICORN_CONF), "--bind", f"127.0.0.1:{port}"]
    argv += ["--workers", str(settings.workers), "--threads", str(settings.threads), "--backlog", "2048"]
    return [*argv, "--timeout", "120", "--log-level", "warning", *options, app_spec]


@dataclass
class Stack:
    """The started processes; `stop()` ends every one of them and is safe to call twice."""

    settings: Settings
    port: int = 0
    env: dict = field(default_factory=dict)
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)
    instance_dir: str = ""
    logs: list = field(default_factory=list)

    @classmethod
    def prepare(cls, settings: Settings) -> Stack:
        """Fresh (or, with reuse_db, the kept) database, migrated: nothing is serving yet."""
        stack = cls(settings, port=free_port(), instance_dir=tempfile.mkdtemp(prefix="baton-bench-"))
        stack.env = server_env(settings, stack.instance_dir, stack.port)
        if not (settings.reuse_db and database_exists(settings.pg_url, settings.database)):
            reset_database(settings.pg_url, settings.database)
        subprocess.run(
            [str(VENV_BIN / "flask"), "--app", "app:create_app", "db", "upgrade"],
            cwd=ROOT,
            env=stack.env,
            check=True,
            capture_output=True,
        )
        return stack

    def start(self) -> None:
        s = self.settings
        self.spawn("gunicorn", gunicorn_argv(s, self.port, "app.wsgi:app"))
        if (ROOT / "app" / "celery_worker.py").exists():
            celery = [str(VENV_BIN / "celery"), "-A", "app.celery_worker:celery"]
            self.spawn(
                "celery-worker",
                celery + ["worker", "--loglevel", "WARNING", "--concurrency", str(s.celery_concurrency)],
            )
            beat_file = str(Path(self.instance_dir) / "beat-schedule")
            self.spawn("celery-beat", celery + ["beat", "--loglevel", "WARNING", "--schedule", beat_file])
        self.wait_ready()

    def spawn(self, name: str, argv: list[str]) -> None:
        RESULTS.mkdir(exist_ok=True)
        log = open(RESULTS / f"{name}.log", "wb")  # noqa: SIM115  (closed in stop())
        self.logs.append(log)
        self.procs[name] = subprocess.Popen(
            argv, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def wait_ready(self, path: str = "/api/v1/health", timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for name, proc in self.procs.items():
                if proc.poll() is not None:
                    raise RuntimeError(f"{name} exited with {proc.returncode}; see bench-results/{name}.log")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", path)
                if conn.getresponse().status == 200:
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer {path} within a minute")

    def pids(self) -> dict[str, list[int]]:
        """Each started process and its children (gunicorn workers, the Celery pool)."""
        found = {}
        for name, proc in self.procs.items():
            if proc.poll() is None:
                found[name] = [proc.pid, *children_of(proc.pid)]
        return found

    def stop(self) -> None:
        # SIGTERM to each leader only: gunicorn and Celery then stop their own children gracefully;
        # whatever is left after the grace period is killed with its whole process group.
        for proc in self.procs.values():
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 15
        for proc in self.procs.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(proc, signal.SIGKILL)
                proc.wait()
        self.procs.clear()
        for log in self.logs:
            log.close()
        self.logs.clear()


def _signal_group(proc: subprocess.Popen, sig: int) -> None:
    # Each child leads its own session (start_new_session), so its group id is its pid.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, sig)


def children_of(pid: int) -> list[int]:
    kids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            kids.append(int(entry.name))
    return kids


def cpu_by_pid(pids: list[int]) -> dict[int, float]:
    """User + system CPU seconds of each live process (from /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    found = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        found[pid] = (int(fields[11]) + int(fields[12])) / ticks
    return found


def cpu_seconds(pids: list[int]) -> float:
    return sum(cpu_by_pid(pids).values())


def cpu_delta(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU spent between two snapshots by the processes alive at the second one; a process that
    started in between counts whole, one that exited is lost (an undercount, never negative)."""
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())


def postgres_pids() -> list[int]:
    """Every local PostgreSQL backend: their CPU is the database's share of a run."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


def machine_busy_seconds() -> float:
    """CPU seconds every core spent not idle since boot (/proc/stat), summed over cores."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0
