"""Run each scenario against a started stack; one failing scenario is recorded, not fatal."""

from __future__ import annotations

import importlib.util
import time
import traceback
from pathlib import Path

from bench_stack import Settings, Stack

SCRIPTS = Path(__file__).resolve().parent


def run_scenarios(settings: Settings, stack: Stack, tokens: dict, results: dict) -> None:
    steps = [
        ("baseline", "b1", lambda: _baseline(settings)),
        ("b1", "b1", lambda: _b1(settings, stack, tokens)),
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


def _b1(settings: Settings, stack: Stack, tokens: dict) -> dict:
    from bench_throughput import run_b1

    return run_b1(settings, stack, tokens["bench_worker"], settings.duration)


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
    module = _optional("bench_engine")
    if module is None:
        return {"not_run": "scripts/bench_engine.py (the engine's history benchmark) does not exist yet"}
    return module.run_b2(quick=settings.quick)


def _optional(name: str):
    if not (SCRIPTS / f"{name}.py").exists():
        return None
    spec = importlib.util.spec_from_file_location(name, SCRIPTS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
