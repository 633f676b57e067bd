"""`make bench`: start Baton's production shape on 127.0.0.1, run the scenarios, print a table
and write bench-results/bench.json.

    .venv/bin/python scripts/bench.py              # the full run (15 s per load step)
    .venv/bin/python scripts/bench.py --quick      # a smoke run (~3 s per step, smaller seeds)
    .venv/bin/python scripts/bench.py --only b1,b3 --workers 4 --threads 2 --duration 10
    .venv/bin/python scripts/bench.py --only b3 --reuse-db   # seed B3's million rows once, then reuse

Scenarios: B1 throughput (+ pgbench -N baseline, + the half-load p99), B1b the remanufacturing
example, B2 history cost (scripts/bench_engine.py), B3 inbox on 1,000,000 open tasks, B4 timers,
B5 memory with 10,000 active instances. Everything started here is stopped here, also on Ctrl-C.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parent.parent))  # the app package

from bench_report import print_table  # noqa: E402
from bench_stack import RESULTS, Settings, Stack, drop_database  # noqa: E402

SCENARIOS = ("b1", "b1b", "b2", "b3", "b4", "b5")


def parse_args(argv: list[str] | None = None) -> Settings:
    env = os.environ.get
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", default=env("BENCH_QUICK") == "1")
    parser.add_argument(
        "--duration",
        type=float,
        default=float(env("BENCH_DURATION", "0")) or None,
        help="seconds per load step (default 15, 3 with --quick)",
    )
    parser.add_argument("--clients", default=env("BENCH_CLIENTS", "1,8,32"))
    parser.add_argument(
        "--rounds",
        type=int,
        default=int(env("BENCH_ROUNDS", "1")),
        help="then measure N (floor, B1 at 8 clients) pairs alternately and report their medians",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=int(env("BENCH_WORKERS", "0")) or None,
        help="gunicorn processes (default: gunicorn.conf.py's, one per core)",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=int(env("BENCH_THREADS", "0")) or None,
        help="threads per gunicorn process (default: gunicorn.conf.py's, 2)",
    )
    parser.add_argument(
        "--celery-concurrency",
        type=int,
        default=int(env("BENCH_CELERY_CONCURRENCY", "0")) or None,
        help="Celery worker processes (default 2 x cores)",
    )
    parser.add_argument("--pg-url", default=env("BENCH_PG_URL", "postgresql://postgres@localhost:5432"))
    parser.add_argument("--redis-url", default=env("BENCH_REDIS_URL", "redis://localhost:6379/7"))
    parser.add_argument(
        "--only", default=env("BENCH_ONLY", ""), help="comma-separated: " + ",".join(SCENARIOS)
    )
    parser.add_argument(
        "--profile", action="store_true", help="py-spy record one worker during B1 (8 clients)"
    )
    parser.add_argument("--keep-db", action="store_true", help="leave baton_bench behind for inspection")
    parser.add_argument(
        "--reuse-db",
        action="store_true",
        help="keep and reuse the bench database (migrated, users and B3's seed kept): seeding "
        "1,000,000 inbox rows takes minutes; implies --keep-db",
    )
    args = parser.parse_args(argv)
    settings = Settings(
        pg_url=args.pg_url.rstrip("/"),
        redis_url=args.redis_url,
        quick=args.quick,
        profile=args.profile,
    )
    settings.duration = args.duration or (3.0 if args.quick else 15.0)
    settings.clients = tuple(int(c) for c in args.clients.split(",") if c)
    settings.rounds = max(1, args.rounds)
    settings.workers = args.workers or settings.workers
    settings.threads = args.threads or settings.threads
    settings.celery_concurrency = args.celery_concurrency or settings.celery_concurrency
    settings.only = tuple(s.strip().lower() for s in args.only.split(",") if s.strip())
    if args.quick:
        settings.inbox_rows, settings.active_instances = 100_000, 1_000
    settings.reuse_db = args.reuse_db
    settings.keep_db = args.keep_db or args.reuse_db
    return settings


def run(settings: Settings) -> dict:
    from bench_fixtures import create_fixtures
    from bench_scenarios import run_scenarios

    results: dict = {"settings": _describe(settings), "started_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    stack = Stack.prepare(settings)
    try:
        tokens = create_fixtures(stack.env, reuse=settings.reuse_db)
        stack.start()
        print(
            f"serving on 127.0.0.1:{stack.port}: gunicorn x{settings.workers} "
            f"(threads {settings.threads}), {', '.join(stack.procs)}; Python {platform.python_version()}",
            flush=True,
        )
        run_scenarios(settings, stack, tokens, results)
    finally:
        stack.stop()
        if not settings.keep_db:
            drop_database(settings.pg_url, settings.database)
    return results


def _describe(settings: Settings) -> dict:
    return {
        "cores": os.cpu_count(),
        "python": platform.python_version(),  # the server's too: gunicorn runs from this venv
        "workers": settings.workers,
        "threads": settings.threads,
        "celery_concurrency": settings.celery_concurrency,
        "duration_s": settings.duration,
        "clients": list(settings.clients),
        "quick": settings.quick,
        "inbox_rows": settings.inbox_rows,
        "active_instances": settings.active_instances,
    }


def _stop_on_sigterm(signum, frame):
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    settings = parse_args(argv)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    try:
        results = run(settings)
    except KeyboardInterrupt:
        print("\ninterrupted: every process the bench started has been stopped", file=sys.stderr)
        return 130
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / "bench.json"
    out.write_text(json.dumps(results, indent=2, default=str))
    print_table(results)
    print(f"\nwritten: {out.relative_to(Path.cwd()) if out.is_relative_to(Path.cwd()) else out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
