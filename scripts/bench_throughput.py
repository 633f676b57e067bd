"""B1 / B1b throughput over HTTP, and the pgbench -N baseline measured in the same run."""

from __future__ import annotations

import re
import shutil
import subprocess
import uuid
from urllib.parse import urlsplit

import bench_profile
from bench_client import CallFailed, Client, run_load
from bench_fixtures import BENCH_KEY, REMAN_KEY
from bench_stack import (
    Settings,
    Stack,
    cpu_by_pid,
    cpu_delta,
    drop_database,
    machine_busy_seconds,
    postgres_pids,
    reset_database,
)

ROUTING_PASS = {"wear_mm": 0.1, "crack_found": False, "grade": "A"}
# The remanufacturing pass path: what each user task is completed with.
REMAN_ANSWERS = {
    "Task_receive": lambda: {"serial_number": f"SN-{uuid.uuid4().hex[:10]}"},
    "Task_inspect": lambda: dict(ROUTING_PASS),
    "Task_final_qa": lambda: {"qa_passed": True},
}


def bench_iteration(client: Client) -> bool:
    """Start -> (DMN) -> user task from the start response -> complete -> confirm completed."""
    started = client.call(
        "start", "POST", f"/api/v1/process-definitions/{BENCH_KEY}/instances", {"variables": ROUTING_PASS}
    )
    if len(started["tasks"]) != 1:
        raise CallFailed(f"expected one open task after start, got {started['tasks']}")
    done = client.call(
        "complete", "POST", f"/api/v1/tasks/{started['tasks'][0]['id']}/complete", {"variables": {}}
    )
    # The complete response carries the instance's status after the step: no confirming GET needed.
    if done["instance"]["status"] != "completed":
        raise CallFailed(f"instance {started['id']} is {done['instance']['status']} after its task completed")
    return True


def reman_iteration(client: Client) -> bool:
    """The remanufacturing example on its pass path: every user task completed, seven in all."""
    body = client.call(
        "start",
        "POST",
        f"/api/v1/process-definitions/{REMAN_KEY}/instances",
        {"variables": {"part_number": "PN-1"}},
    )
    for _ in range(20):
        if body["status"] == "completed":
            return True
        if not body["tasks"]:
            raise CallFailed(f"instance {body['id']} is {body['status']} with no open task")
        task = body["tasks"][0]
        answer = REMAN_ANSWERS.get(task["element_id"], dict)()
        done = client.call("complete", "POST", f"/api/v1/tasks/{task['id']}/complete", {"variables": answer})
        body = {"id": body["id"], "status": done["instance"]["status"], "tasks": done["next_tasks"]}
    raise CallFailed(f"instance {body['id']} did not end within 20 steps")


def measured_load(stack: Stack, token: str, clients: int, seconds: float, iteration, rate=None) -> dict:
    """run_load plus the CPU the server, PostgreSQL and the client spent, per completed instance."""
    server_before, pg_before = cpu_by_pid(_server_pids(stack)), cpu_by_pid(postgres_pids())
    machine_before = machine_busy_seconds()
    result = run_load(stack.port, token, clients, seconds, iteration, rate)
    server_cpu = cpu_delta(server_before, cpu_by_pid(_server_pids(stack)))
    pg_cpu = cpu_delta(pg_before, cpu_by_pid(postgres_pids()))
    # The machine is shared: CPU burnt by processes outside the bench is reported, not hidden.
    other = machine_busy_seconds() - machine_before - server_cpu - pg_cpu - result.client_cpu_s
    summary = result.summary()
    done = max(result.completed, 1)
    summary["server_cpu_ms_per_instance"] = round(server_cpu * 1000 / done, 1)
    summary["postgres_cpu_ms_per_instance"] = round(pg_cpu * 1000 / done, 1)
    summary["client_cpu_ms_per_instance"] = round(result.client_cpu_s * 1000 / done, 1)
    summary["client_cpu_share"] = round(result.client_cpu_s / result.seconds, 2)
    summary["other_processes_cores"] = round(max(0.0, other) / result.seconds, 2)
    return summary


def _server_pids(stack: Stack) -> list[int]:
    return [pid for pids in stack.pids().values() for pid in pids]


def run_b1(settings: Settings, stack: Stack, token: str, seconds: float) -> dict:
    """Closed loop at each client count, then the rate-limited run at half the 8-client throughput."""
    run_load(stack.port, token, 4, min(3.0, seconds), bench_iteration)  # warm every worker
    runs = {}
    for clients in settings.clients:
        profiler = _profile_start(settings, stack, clients, seconds)
        runs[clients] = measured_load(stack, token, clients, seconds, bench_iteration)
        if profiler:
            runs[clients]["profile"] = bench_profile.finish(profiler, "profile-b1-8-clients")
    eight = runs.get(8) or runs[max(runs)]
    half = eight["completed_per_s"] / 2
    paced = measured_load(stack, token, 8, seconds, bench_iteration, rate=half) if half > 0 else None
    return {
        "runs": {str(c): r for c, r in runs.items()},
        "half_load": {"rate": round(half, 1), **(paced or {})},
    }


def _profile_start(settings: Settings, stack: Stack, clients: int, seconds: float):
    if not settings.profile or clients != 8:
        return None
    return bench_profile.start(stack.procs["gunicorn"].pid, seconds, "profile-b1-8-clients")


def run_b1b(stack: Stack, token: str, clients: int, seconds: float) -> dict:
    run_load(stack.port, token, 2, min(2.0, seconds), reman_iteration)
    return measured_load(stack, token, clients, seconds, reman_iteration)


def pgbench_baseline(settings: Settings, seconds: float) -> dict:
    """pgbench -N tps on its own database, same machine, same moment: the yardstick for B1."""
    if not shutil.which("pgbench"):
        return {
            "skipped": "pgbench is not installed: apt-get install postgresql-client "
            "(Debian/Ubuntu) or brew install libpq; the ratio is left out"
        }
    url = urlsplit(settings.pg_url)
    conn = ["-h", url.hostname or "localhost", "-p", str(url.port or 5432), "-U", url.username or "postgres"]
    env = {"PGPASSWORD": url.password} if url.password else {}
    reset_database(settings.pg_url, "baton_pgbench")
    try:
        _pgbench([*conn, "-i", "-q", "-s", "10", "baton_pgbench"], env)
        out = _pgbench([*conn, "-N", "-c", "8", "-j", "2", "-T", str(int(seconds)), "baton_pgbench"], env)
    finally:
        drop_database(settings.pg_url, "baton_pgbench")
    match = re.search(r"tps = ([\d.]+)", out)
    return {
        "tps": float(match.group(1)) if match else None,
        "command": f"pgbench -N -c 8 -j 2 -T {int(seconds)}",
    }


def _pgbench(args: list[str], env: dict) -> str:
    import os

    done = subprocess.run(["pgbench", *args], capture_output=True, text=True, env={**os.environ, **env})
    if done.returncode != 0:
        raise RuntimeError(f"pgbench failed: {done.stderr.strip()[-500:]}")
    return done.stdout
