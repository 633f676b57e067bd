"""The stack floor for B1: a bare Flask app (bench_floor_app.py) under the same gunicorn settings,
driven by the same client and loop, one row written per call. Measured in the same run as B1 and
pgbench, it shows how far the ratio to pgbench -N can go on this stack before Baton does any work."""

from __future__ import annotations

import os
import tempfile

import psycopg
from bench_client import CallFailed, Client, run_load
from bench_floor_app import TABLE
from bench_stack import ROOT, Settings, Stack, drop_database, free_port, gunicorn_argv, reset_database
from bench_throughput import ROUTING_PASS, measured_load


def floor_iteration(client: Client) -> bool:
    """B1's loop with the floor's paths: start, complete the task it names, check the status."""
    started = client.call("start", "POST", "/start", {"variables": ROUTING_PASS})
    done = client.call("complete", "POST", f"/tasks/{started['tasks'][0]['id']}/complete", {"variables": {}})
    if done["instance"]["status"] != "completed":
        raise CallFailed(f"floor row {started['id']} is {done['instance']['status']}")
    return True


def run_floor(settings: Settings, clients: int, seconds: float) -> dict:
    """Serve the floor app, warm it, measure `clients` closed loops for `seconds`; then tear down."""
    database = f"{settings.database}_floor"
    reset_database(settings.pg_url, database)
    with psycopg.connect(f"{settings.pg_url}/{database}", autocommit=True) as conn:
        conn.execute(TABLE)
    env = {**os.environ, "FLOOR_DATABASE_URL": f"{settings.pg_url}/{database}"}
    floor = Stack(settings, port=free_port(), env=env, instance_dir=tempfile.mkdtemp(prefix="baton-floor-"))
    try:
        pythonpath = ("--pythonpath", str(ROOT / "scripts"))
        floor.spawn("gunicorn-floor", gunicorn_argv(settings, floor.port, "bench_floor_app:app", *pythonpath))
        floor.wait_ready("/health")
        run_load(floor.port, "", 4, min(2.0, seconds), floor_iteration)  # every worker connected
        result = measured_load(floor, "", clients, seconds, floor_iteration)
    finally:
        floor.stop()
        drop_database(settings.pg_url, database)
    return {"app": "scripts/bench_floor_app.py", **result}
