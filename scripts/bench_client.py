"""A small load generator: threads, one keep-alive http.client connection each, per-call latencies.

http.client is enough: a request costs the client ~0.1 ms of CPU, and the orchestrator reports its
own CPU next to the server's so a saturated client would show up in the table.
"""

from __future__ import annotations

import http.client
import json
import math
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field


class CallFailed(RuntimeError):
    """A call answered with an unexpected status: the iteration is counted as an error."""


class Client:
    """One connection to the server, reused across calls (reopened when the server closes it)."""

    def __init__(self, port: int, token: str, latencies: dict[str, list[float]] | None = None):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.latencies = latencies if latencies is not None else defaultdict(list)

    def call(self, kind: str, method: str, path: str, body=None, expect=(200, 201)) -> dict:
        data = json.dumps(body).encode() if body is not None else None
        started = time.perf_counter()
        status, raw = self._send(method, path, data)
        self.latencies[kind].append(time.perf_counter() - started)
        if status not in expect:
            raise CallFailed(f"{method} {path} -> {status}: {raw[:300]!r}")
        return json.loads(raw) if raw else {}

    def _send(self, method: str, path: str, data: bytes | None) -> tuple[int, bytes]:
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=data, headers=self.headers)
                response = self.conn.getresponse()
                return response.status, response.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # The server closed an idle keep-alive connection: reopen once.
                self.conn.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        self.conn.close()


@dataclass
class LoadResult:
    clients: int
    seconds: float
    completed: int = 0
    errors: int = 0
    first_error: str | None = None
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    client_cpu_s: float = 0.0

    @property
    def per_second(self) -> float:
        return self.completed / self.seconds if self.seconds else 0.0

    def summary(self) -> dict:
        calls = {kind: latency_summary(values) for kind, values in sorted(self.latencies.items())}
        return {
            "clients": self.clients,
            "seconds": round(self.seconds, 2),
            "completed": self.completed,
            "completed_per_s": round(self.per_second, 1),
            "errors": self.errors,
            "first_error": self.first_error,
            "client_cpu_s": round(self.client_cpu_s, 2),
            "calls": calls,
        }


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    # Nearest rank: the smallest value with at least q % of the values at or below it.
    index = min(len(sorted_values) - 1, max(0, math.ceil(q / 100 * len(sorted_values)) - 1))
    return sorted_values[index]


def latency_summary(values: list[float]) -> dict:
    ordered = sorted(values)
    ms = {f"p{q}": round(percentile(ordered, q) * 1000, 2) for q in (50, 95, 99)}
    return {"count": len(ordered), **ms, "max": round(ordered[-1] * 1000, 2) if ordered else None}


Iteration = Callable[[Client], bool]


def run_load(
    port: int, token: str, clients: int, seconds: float, iteration: Iteration, rate: float | None = None
) -> LoadResult:
    """Run `iteration` in a loop on `clients` threads for `seconds`; an iteration returning True
    counts as one completed instance. With `rate` (iterations/s over all clients) each client is
    paced on a fixed schedule, so the latencies are measured at that load rather than at saturation."""
    result = LoadResult(clients=clients, seconds=seconds)
    lock = threading.Lock()
    barrier = threading.Barrier(clients + 1)
    interval = clients / rate if rate else 0.0
    state = {"deadline": 0.0}

    def worker(n: int) -> None:
        client = Client(port, token)
        completed = errors = 0
        first_error = None
        barrier.wait()
        next_at = time.monotonic() + (interval * n / clients)
        while time.monotonic() < state["deadline"]:
            if interval:
                _sleep_until(next_at)
                next_at += interval
            try:
                completed += bool(iteration(client))
            except (CallFailed, OSError, http.client.HTTPException) as exc:
                errors += 1
                first_error = first_error or str(exc)
                client.close()
        client.close()
        with lock:
            result.completed += completed
            result.errors += errors
            result.first_error = result.first_error or first_error
            for kind, values in client.latencies.items():
                result.latencies[kind].extend(values)

    threads = [threading.Thread(target=worker, args=(n,), daemon=True) for n in range(clients)]
    for thread in threads:
        thread.start()
    cpu_before = time.process_time()
    state["deadline"] = time.monotonic() + seconds
    started = time.monotonic()
    barrier.wait()
    for thread in threads:
        thread.join()
    # Iterations in flight at the deadline finish; count the time they took.
    result.seconds = time.monotonic() - started
    result.client_cpu_s = time.process_time() - cpu_before
    return result


def _sleep_until(moment: float) -> None:
    delay = moment - time.monotonic()
    if delay > 0:
        time.sleep(delay)
