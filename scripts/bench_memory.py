"""B5: resident memory of every server process with many active instances waiting at a user task."""

from __future__ import annotations

import itertools
import os
import threading
import time

from bench_client import CallFailed, Client
from bench_fixtures import BENCH_KEY
from bench_stack import Settings, Stack, rss_mb
from bench_throughput import ROUTING_PASS


def start_instances(
    port: int, token: str, count: int, clients: int = 8, budget_s: float = 1e9
) -> tuple[int, float]:
    """Start up to `count` instances of the bench process (each stops at its user task) within
    `budget_s` seconds. Returns (started, seconds)."""
    numbers = itertools.count()
    started = [0] * clients
    stop_at = time.monotonic() + budget_s

    def worker(n: int) -> None:
        client = Client(port, token)
        path = f"/api/v1/process-definitions/{BENCH_KEY}/instances"
        while next(numbers) < count and time.monotonic() < stop_at:
            try:
                client.call("start", "POST", path, {"variables": ROUTING_PASS})
                started[n] += 1
            except (CallFailed, OSError):
                client.close()
        client.close()

    began = time.monotonic()
    threads = [threading.Thread(target=worker, args=(n,), daemon=True) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(started), time.monotonic() - began


# Starting goes through the API at the server's pace; on a slow or shared machine the bench stops
# after this long (and says how many it started) rather than run for half an hour.
B5_BUDGET_S = float(os.environ.get("BENCH_B5_BUDGET_S", "300"))


def rss_by_process(stack: Stack) -> dict[str, list[float]]:
    """RSS in MB of each started process and its children, named as in `ps`."""
    return {name: [round(rss_mb(pid), 1) for pid in pids] for name, pids in stack.pids().items()}


def run_b5(settings: Settings, stack: Stack, token: str) -> dict:
    before = rss_by_process(stack)
    # Halfway and at the end: growth between the two is what more instances would cost.
    half, _ = start_instances(stack.port, token, settings.active_instances // 2, budget_s=B5_BUDGET_S / 2)
    middle = rss_by_process(stack)
    rest, seconds = start_instances(
        stack.port, token, settings.active_instances - half, budget_s=B5_BUDGET_S / 2
    )
    started = half + rest
    time.sleep(2)  # let the Celery side settle (the sweep runs every second)
    after = rss_by_process(stack)
    return {
        "active_instances": started,
        "wanted": settings.active_instances,
        "budget_s": B5_BUDGET_S,
        "start_rate_per_s": round(rest / seconds, 1),
        "rss_mb_before": before,
        "rss_mb_half": middle,
        "rss_mb": after,
        "max_rss_mb": max(v for values in after.values() for v in values),
    }
