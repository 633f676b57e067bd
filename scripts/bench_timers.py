"""B4: many pending timers, a share of them due every second, fired by the Celery sweep and workers.

One instance of scripts/bench_process/bench_timer.bpmn (start -> PT24H timer -> end) is started
over HTTP; the bench clones it server-side (process_instances, instance_states, jobs) into
`pending` instances, then moves the due time of the first `due` of them to `rate` per second
from a moment a few seconds ahead. A fired timer ends its instance, so the lag is
process_instances.ended_at - the due time; a timer still waiting at the end counts with the lag
it has so far (a lower bound) and is reported as unfired.
"""

from __future__ import annotations

import os
import time

import psycopg
from bench_client import Client, latency_summary
from bench_stack import Settings, Stack, cpu_by_pid, cpu_delta, postgres_pids

TIMER_KEY = "bench_timer"
LEAD_S = 3.0  # the first timer falls due this long after the due times are set


def _columns(conn: psycopg.Connection, table: str) -> list[str]:
    rows = conn.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s ORDER BY ordinal_position",
        (table,),
    )
    return [r[0] for r in rows]


def _clone(conn: psycopg.Connection, table: str, key: str, template, overrides: dict[str, str]) -> None:
    """Copy the template row of `table` once per bench_timer_due row, with `overrides` as SQL."""
    cols = _columns(conn, table)
    exprs = ", ".join(overrides.get(c, f"t.{c}") for c in cols)
    conn.execute(
        f"INSERT INTO {table} ({', '.join(cols)}) SELECT {exprs} "  # noqa: S608  (names from the catalog)
        f"FROM {table} t, bench_timer_due d WHERE t.{key} = %s",
        (template,),
    )


def seed(conn: psycopg.Connection, template, pending: int, due: int, rate: float) -> None:
    conn.execute(
        "CREATE TABLE bench_timer_due AS SELECT gen_random_uuid() AS id, n, "
        "now() + interval '1 day' + n * interval '1 second' AS due_at FROM generate_series(1, %s) n",
        (pending,),
    )
    _clone(conn, "process_instances", "id", template, {"id": "d.id", "idempotency_key": "NULL"})
    _clone(conn, "instance_states", "instance_id", template, {"instance_id": "d.id"})
    _clone(
        conn,
        "jobs",
        "instance_id",
        template,
        {"id": "gen_random_uuid()", "instance_id": "d.id", "due_at": "d.due_at"},
    )
    conn.execute("CREATE INDEX ON bench_timer_due (id)")
    conn.commit()
    conn.execute("ANALYZE jobs")
    conn.execute("ANALYZE process_instances")
    # Now the share that falls due: `rate` per second from LEAD_S ahead.
    conn.execute(
        "UPDATE bench_timer_due SET due_at = now() + %s * interval '1 second' "
        "+ (n - 1) / %s * interval '1 second' WHERE n <= %s",
        (LEAD_S, rate, due),
    )
    conn.execute(
        "UPDATE jobs j SET due_at = d.due_at FROM bench_timer_due d WHERE j.instance_id = d.id AND d.n <= %s",
        (due,),
    )
    conn.commit()


def wait_for_fires(conn: psycopg.Connection, due: int, until: float) -> None:
    while time.monotonic() < until:
        fired = conn.execute(
            "SELECT count(*) FROM bench_timer_due d JOIN process_instances p ON p.id = d.id "
            "WHERE d.n <= %s AND p.ended_at IS NOT NULL",
            (due,),
        ).fetchone()[0]
        conn.commit()
        if fired >= due:
            return
        time.sleep(1)


def lags(conn: psycopg.Connection, due: int) -> tuple[list[float], int, float]:
    """Lag in seconds of every due timer (unfired: lag so far), unfired count, fire span in s."""
    rows = conn.execute(
        "SELECT extract(epoch FROM coalesce(p.ended_at, now()) - d.due_at), p.ended_at IS NULL, "
        "extract(epoch FROM p.ended_at) FROM bench_timer_due d JOIN process_instances p ON p.id = d.id "
        "WHERE d.n <= %s",
        (due,),
    ).fetchall()
    fired_at = [r[2] for r in rows if r[2] is not None]
    span = (max(fired_at) - min(fired_at)) if len(fired_at) > 1 else 0.0
    return [max(0.0, float(r[0])) for r in rows], sum(1 for r in rows if r[1]), float(span)


def run_b4(settings: Settings, stack: Stack, tokens: dict | None = None) -> dict:
    if "celery-worker" not in stack.procs:
        return {"not_run": "no Celery worker (app/celery_worker.py is missing)"}
    pending = 10_000 if settings.quick else 100_000
    rate = float(os.environ.get("BENCH_TIMER_RATE", "1000"))  # lower it to see the lag floor
    due = int(rate * max(settings.duration, 3.0))
    client = Client(stack.port, tokens["bench_worker"])
    template = client.call("start", "POST", f"/api/v1/process-definitions/{TIMER_KEY}/instances", {})["id"]
    client.close()
    celery = stack.pids().get("celery-worker", []) + stack.pids().get("celery-beat", [])
    with psycopg.connect(settings.database_url) as conn:
        seed(conn, template, pending, due, rate)
        cpu_before, pg_before = cpu_by_pid(celery), cpu_by_pid(postgres_pids())
        window = LEAD_S + due / rate
        wait_for_fires(conn, due, time.monotonic() + window + (10 if settings.quick else 30))
        values, unfired, span = lags(conn, due)
        celery_cpu = cpu_delta(cpu_before, cpu_by_pid(celery))
        pg_cpu = cpu_delta(pg_before, cpu_by_pid(postgres_pids()))
    summary = latency_summary(values)
    fired = due - unfired
    return {
        "pending": pending,
        "due": due,
        "due_rate_per_s": rate,
        "fired": fired,
        "unfired": unfired,
        "lag_p50_ms": summary["p50"],
        "lag_p99_ms": summary["p99"],
        "lag_max_ms": summary["max"],
        "fires_per_s": round(fired / span, 1) if span else None,
        "celery_cpu_ms_per_fire": round(celery_cpu * 1000 / max(fired, 1), 1),
        "postgres_cpu_ms_per_fire": round(pg_cpu * 1000 / max(fired, 1), 1),
    }
