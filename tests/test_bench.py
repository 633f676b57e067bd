"""`make bench` runs on a fresh machine: its smallest run starts the production shape (gunicorn,
a Celery worker and beat) on real PostgreSQL and Redis, drives B1 over HTTP, takes the pgbench
baseline, prints the table and writes the JSON. Its figures are not judged here (speed is never a
test): only that the run works and reports what it measured."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy.engine import make_url

from tests.conftest import ROOT, TEST_DB_URL

sys.path.insert(0, str(ROOT / "scripts"))

from bench_client import latency_summary, percentile  # noqa: E402
from bench_report import print_table  # noqa: E402


def test_percentiles_are_nearest_rank():
    values = [float(n) for n in range(1, 101)]  # 1 .. 100
    assert (percentile(values, 50), percentile(values, 99), percentile(values, 100)) == (50.0, 99.0, 100.0)
    assert latency_summary([0.001, 0.002, 0.003])["p50"] == 2.0  # milliseconds


def test_the_table_judges_each_figure_against_its_target(capsys):
    run = {"completed_per_s": 300.0, "calls": {}, "errors": 0, "server_cpu_ms_per_instance": 1.0,
           "postgres_cpu_ms_per_instance": 1.0, "client_cpu_ms_per_instance": 0.1}  # fmt: skip
    print_table({"baseline": {"tps": 6000.0}, "b1": {"runs": {"8": run}}})
    lines = capsys.readouterr().out.splitlines()
    assert any("8 clients: completed/s" in line and line.rstrip().endswith("met") for line in lines)
    ratio = next(line for line in lines if line.startswith("B1") and "ratio to pgbench" in line)
    assert "0.05" in ratio and ratio.rstrip().endswith("NOT met")


def test_the_table_sets_b1_against_the_bare_flask_floor(capsys):
    cpu = {
        "server_cpu_ms_per_instance": 0.9,
        "postgres_cpu_ms_per_instance": 0.3,
        "client_cpu_ms_per_instance": 0.3,
    }
    b1 = {"completed_per_s": 300.0, "calls": {}, "errors": 0, **cpu}
    floor = {"completed_per_s": 1200.0, "errors": 0, **cpu}
    print_table({"baseline": {"tps": 6000.0}, "floor": floor, "b1": {"runs": {"8": b1}}})
    lines = capsys.readouterr().out.splitlines()
    floor_ratio = next(line for line in lines if line.startswith("FLOOR") and "ratio to pgbench" in line)
    assert "0.2" in floor_ratio and not floor_ratio.rstrip().endswith("met")  # context, not a target
    assert any("share of the bare Flask app's rate" in line and "0.25" in line for line in lines)


def test_rounds_report_each_pair_and_judge_the_median(capsys):
    pair = {"floor_per_s": 700.0, "b1_per_s": 210.0, "share": 0.3, "b1_server_cpu_ms": 5.5,
            "b1_postgres_cpu_ms": 1.7, "errors": 0}  # fmt: skip
    rounds = {"rounds": [pair, {**pair, "b1_per_s": 260.0, "share": 0.37}, pair]}
    print_table(
        {"rounds": {**rounds, "median_b1_per_s": 210.0, "median_share": 0.3, "median_server_cpu_ms": 5.5}}
    )
    lines = capsys.readouterr().out.splitlines()
    assert sum("floor / B1 (8 clients)" in line for line in lines) == 3
    median = next(line for line in lines if "median of the rounds: B1 completed/s" in line)
    assert "210.0/s" in median and median.rstrip().endswith("NOT met")


def test_the_smallest_bench_run_works_end_to_end(tmp_path):
    url = make_url(TEST_DB_URL)
    pg = f"postgresql://{url.username or 'postgres'}@{url.host or 'localhost'}:{url.port or 5432}"
    env = {
        **os.environ,
        "BENCH_DB": f"{url.database}_bench",
        "BENCH_RESULTS": str(tmp_path),
        "BENCH_REDIS_URL": os.environ.get("BATON_TEST_BENCH_REDIS_URL", "redis://localhost:6379/11"),
    }
    argv = [sys.executable, "scripts/bench.py", "--quick", "--only", "b1,b1b", "--clients", "1"]
    argv += ["--duration", "1", "--pg-url", pg, "--rounds", "2"]
    done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    results = json.loads(Path(tmp_path / "bench.json").read_text())
    one = results["b1"]["runs"]["1"]
    assert one["completed"] > 0 and one["errors"] == 0, one
    assert one["calls"]["start"]["count"] >= one["completed"]
    assert results["baseline"].get("tps") or "skipped" in results["baseline"]
    floor = results["floor"]  # the bare Flask app, served and driven the same way
    assert floor["completed"] > 0 and floor["errors"] == 0, floor
    assert "B1        1 clients: completed/s" in done.stdout
    rounds = results["rounds"]["rounds"]  # (floor, B1) pairs taken alternately
    assert len(rounds) == 2 and all(r["b1_per_s"] > 0 and r["floor_per_s"] > 0 for r in rounds), rounds
    assert results["rounds"]["median_share"] > 0
    assert "median of the rounds: B1 completed/s" in done.stdout
    # B1b works the example's every task as a user of its groups: a renamed group shows here.
    reman = results["b1b"]
    assert reman["completed"] > 0 and reman["errors"] == 0, reman.get("first_error")
