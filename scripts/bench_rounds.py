"""B1 in rounds: the floor and B1 at 8 clients, alternating, so each share of the floor is taken
from two measurements seconds apart.

A shared machine's speed drifts within minutes (one tree's B1 ranged 165-245/s within an hour in
session 12), and a single floor taken before B1 turns that drift into the share. `--rounds N`
measures N (floor, B1) pairs after the usual steps and reports each pair's share and the medians.
"""

from __future__ import annotations

import statistics

from bench_floor import run_floor
from bench_stack import Settings, Stack
from bench_throughput import bench_iteration, measured_load


def run_rounds(settings: Settings, stack: Stack, token: str) -> dict:
    """`settings.rounds` pairs of (floor, B1) at 8 clients, each for `settings.duration` seconds."""
    pairs = []
    for _ in range(settings.rounds):
        floor = run_floor(settings, 8, settings.duration)
        b1 = measured_load(stack, token, 8, settings.duration, bench_iteration)
        pairs.append(_pair(floor, b1))
    return {"rounds": pairs, **_medians(pairs)}


def _pair(floor: dict, b1: dict) -> dict:
    rate, floor_rate = b1["completed_per_s"], floor["completed_per_s"]
    return {
        "floor_per_s": floor_rate,
        "b1_per_s": rate,
        "share": round(rate / floor_rate, 3) if floor_rate else None,
        "b1_server_cpu_ms": b1["server_cpu_ms_per_instance"],
        "b1_postgres_cpu_ms": b1["postgres_cpu_ms_per_instance"],
        "errors": b1["errors"] + floor["errors"],
    }


def _medians(pairs: list[dict]) -> dict:
    def median(key: str):
        values = [p[key] for p in pairs if p[key] is not None]
        return round(statistics.median(values), 3) if values else None

    return {
        "median_b1_per_s": median("b1_per_s"),
        "median_share": median("share"),
        "median_server_cpu_ms": median("b1_server_cpu_ms"),
    }
