"""B5: resident memory of every server process with many active instances waiting at a user task."""

from __future__ import annotations

import itertools
import threading
import time

from bench_client import CallFailed, Client
from bench_fixtures import BENCH_KEY
from bench_stack import Settings, Stack, rss_mb
from bench_throughput import ROUTING_PASS


def start_instances(port: int, token: str, count: int, clients: int = 8) -> tuple[int, float]:
    """Start `count` instances of the bench process (each stops at its user task). Returns
    (started, seconds)."""
    numbers = itertools.count()
    started = [0] * clients

    def worker(n: int) -> None:
        client = Client(port, token)
        path = f"/api/v1/process-definitions/{BENCH_KEY}/instances"
        while next(numbers) < count:
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


def rss_by_process(stack: Stack) -> dict[str, list[float]]:
    """RSS in MB of each started process and its children, named as in `ps`."""
    return {name: [round(rss_mb(pid), 1) for pid in pids] for name, pids in stack.pids().items()}


def run_b5(settings: Settings, stack: Stack, token: str) -> dict:
    before = rss_by_process(stack)
    started, seconds = start_instances(stack.port, token, settings.active_instances)
    time.sleep(2)  # let the Celery side settle (the sweep runs every second)
    after = rss_by_process(stack)
    return {
        "active_instances": started,
        "start_rate_per_s": round(started / seconds, 1),
        "rss_mb_before": before,
        "rss_mb": after,
        "max_rss_mb": max(v for values in after.values() for v in values),
    }
