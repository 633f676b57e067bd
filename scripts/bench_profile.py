"""Sample the gunicorn workers with py-spy while a load step runs, and name the hot spots.

py-spy is optional (`.venv/bin/pip install py-spy`); it needs ptrace rights on the workers
(root, or kernel.yama.ptrace_scope=0). The raw collapsed stacks land in bench-results/ so a
flame graph can be drawn later (e.g. `flamegraph.pl` or speedscope.app).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

from bench_stack import RESULTS

PY_SPY = Path(sys.executable).parent / "py-spy"


def available() -> str | None:
    """The py-spy binary, or None."""
    if PY_SPY.exists():
        return str(PY_SPY)
    return shutil.which("py-spy")


def start(master_pid: int, seconds: float, name: str) -> subprocess.Popen | None:
    binary = available()
    if binary is None:
        print("  (profile skipped: py-spy is not installed; .venv/bin/pip install py-spy)", flush=True)
        return None
    RESULTS.mkdir(exist_ok=True)
    argv = [binary, "record", "--pid", str(master_pid), "--subprocesses", "--rate", "200"]
    argv += ["--duration", str(max(1, int(seconds))), "--format", "raw", "-o", str(RESULTS / f"{name}.txt")]
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def finish(proc: subprocess.Popen | None, name: str, top: int = 25) -> dict | None:
    if proc is None:
        return None
    _, err = proc.communicate(timeout=120)
    path = RESULTS / f"{name}.txt"
    if not path.exists():
        return {"error": err.decode(errors="replace")[-400:]}
    return summarize(path, top)


# A sample whose innermost frame is one of these is a worker waiting (on PostgreSQL, a socket or a
# signal), not burning CPU: counted as waiting, left out of the CPU shares.
WAITS = (
    "Connection.wait",
    "_execute_send",
    "_exec_command",
    "wait_for_signals",
    "select (selectors",
    "wait (",
)


def summarize(path: Path, top: int = 25) -> dict:
    """Within requests (under Flask.__call__): the share of samples waiting, and per function its
    inclusive and self share of the CPU samples. Baton's own functions are listed apart."""
    inclusive: Counter = Counter()
    self_time: Counter = Counter()
    cpu = waiting = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit() or "Flask.__call__" not in stack:
            continue
        frames = [f for f in stack.split(";") if not f.startswith("process ")]
        if any(w in frames[-1] for w in WAITS):
            waiting += int(count)
            continue
        cpu += int(count)
        for frame in {_short(f) for f in frames}:
            inclusive[frame] += int(count)
        self_time[_short(frames[-1])] += int(count)
    share = lambda items: [(f, round(100 * n / max(cpu, 1), 1)) for f, n in items][:top]  # noqa: E731
    baton = [(f, n) for f, n in inclusive.most_common() if "(app/" in f]
    return {
        "request_samples": cpu + waiting,
        "waiting_pct": round(100 * waiting / max(cpu + waiting, 1), 1),
        "cpu_inclusive_pct_baton": share(baton),
        "cpu_inclusive_pct": share(inclusive.most_common()),
        "cpu_self_pct": share(self_time.most_common()),
    }


def _short(frame: str) -> str:
    # "func (path/to/module.py:123)" -> "func (module.py)": lines differ per call site, files do not.
    name, _, where = frame.partition(" (")
    file = where.rsplit(":", 1)[0].rstrip(")")
    marker = "site-packages/"
    file = file.split(marker, 1)[1] if marker in file else file.replace(str(RESULTS.parent) + "/", "")
    return f"{name} ({file})"
