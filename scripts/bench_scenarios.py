"""Run each scenario against a started stack; one failing scenario is recorded, not fatal."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import time
import traceback
from pathlib import Path

from bench_stack import RESULTS, Settings, Stack, drop_database

SCRIPTS = Path(__file__).resolve().parent


def run_scenarios(settings: Settings, stack: Stack, tokens: dict, results: dict) -> None:
    steps = [
        ("baseline", "b1", lambda: _baseline(settings)),
        ("floor", "b1", lambda: _floor(settings)),
        ("b1", "b1", lambda: _b1(settings, stack, tokens)),
        ("rounds", "b1", lambda: _rounds(settings, stack, tokens)),
        ("b1b", "b1b", lambda: _b1b(settings, stack, tokens)),
        ("b5", "b5", lambda: _b5(settings, stack, tokens)),
        ("b3", "b3", lambda: _b3(settings, stack, tokens)),
        ("b4", "b4", lambda: _b4(settings, stack, tokens)),
        ("b2", "b2", lambda: _b2(settings)),
    ]
    for name, scenario, step in steps:
        if not settings.wants(scenario):
            results[name] = {"not_run": "left out by --only"}
            continue
        print(f"[{time.strftime('%H:%M:%S')}] {name} ...", flush=True)
        started = time.monotonic()
        try:
            results[name] = step()
        except KeyboardInterrupt:
            raise
        except Exception as exc:  # noqa: BLE001  (one broken scenario must not hide the others)
            traceback.print_exc()
            results[name] = {"error": f"{type(exc).__name__}: {exc}"}
        results[name]["elapsed_s"] = round(time.monotonic() - started, 1)


def _baseline(settings: Settings) -> dict:
    from bench_throughput import pgbench_baseline

    return pgbench_baseline(settings, settings.duration)


def _floor(settings: Settings) -> dict:
    from bench_floor import run_floor

    return run_floor(settings, 8, settings.duration)


def _b1(settings: Settings, stack: Stack, tokens: dict) -> dict:
    from bench_throughput import run_b1

    return run_b1(settings, stack, tokens["bench_worker"], settings.duration)


def _rounds(settings: Settings, stack: Stack, tokens: dict) -> dict:
    if settings.rounds < 2:
        return {"not_run": "one round: the floor and B1 above (--rounds N alternates N pairs)"}
    from bench_rounds import run_rounds

    return run_rounds(settings, stack, tokens["bench_worker"])


def _b1b(settings: Settings, stack: Stack, tokens: dict) -> dict:
    from bench_throughput import run_b1b

    return run_b1b(stack, tokens["bench_worker"], 8, settings.duration)


def _b5(settings: Settings, stack: Stack, tokens: dict) -> dict:
    from bench_memory import run_b5

    return run_b5(settings, stack, tokens["bench_worker"])


def _b3(settings: Settings, stack: Stack, tokens: dict) -> dict:
    from bench_inbox import run_b3

    return run_b3(settings, stack, tokens)


def _b4(settings: Settings, stack: Stack, tokens: dict) -> dict:
    module = _optional("bench_timers")
    if module is None:
        return {"not_run": "no timer benchmark (scripts/bench_timers.py) yet"}
    return module.run_b4(settings, stack, tokens)


def _b2(settings: Settings) -> dict:
    """Run the engine engineer's scripts/bench_engine.py in its own process and database."""
    script = SCRIPTS / "bench_engine.py"
    if not script.exists():
        return {"not_run": "scripts/bench_engine.py (the engine's history benchmark) does not exist yet"}
    out = RESULTS / "engine.json"
    out.unlink(missing_ok=True)
    url = settings.pg_url.replace("postgresql://", "postgresql+psycopg://", 1) + "/baton_bench_engine"
    env = {**os.environ, "BENCH_DATABASE_URL": url}
    done = subprocess.run(
        [sys.executable, str(script)],
        cwd=SCRIPTS.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    drop_database(settings.pg_url, "baton_bench_engine")
    if not out.exists():
        return {"error": f"bench_engine.py exited {done.returncode}: {done.stderr.strip()[-400:]}"}
    engine = json.loads(out.read_text())
    return {
        "visits_ms": {str(r["visit"]): r["ms"] for r in engine["rows"]},
        "ratio_1000_10": engine["ratio_1000_over_10"],
        "engine": engine,
    }


def _optional(name: str):
    if not (SCRIPTS / f"{name}.py").exists():
        return None
    spec = importlib.util.spec_from_file_location(name, SCRIPTS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
