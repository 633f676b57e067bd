"""B3: the inbox of a user in 5 groups over 1,000,000 open task rows seeded with COPY.

Every task is offered to one of 50 groups (one in ten to a second group too), 2% are assigned to
someone else; the user's 5 groups hold 10% of the rows, about what a team inbox sees. The
queries behind the page are EXPLAIN ANALYZEd into bench-results/b3-explain.txt.
"""

from __future__ import annotations

import json
import random
import time
import uuid
from datetime import UTC, datetime, timedelta

import psycopg
from bench_client import Client, latency_summary
from bench_fixtures import BENCH_KEY, INBOX_GROUPS
from bench_memory import start_instances
from bench_stack import RESULTS, Settings, Stack

TASK_COLUMNS = (
    "id, tenant_id, instance_id, definition_key, element_id, name, assignee, "
    "candidate_users, candidate_groups, priority, status, created_at"
)


def seed(conn: psycopg.Connection, rows: int, instance_ids: list) -> None:
    """COPY `rows` open tasks and their candidate rows (deterministic: seeded random)."""
    rng = random.Random(9)
    epoch = datetime.now(UTC) - timedelta(days=90)
    with conn.cursor() as cur:
        candidates = []
        with cur.copy(f"COPY user_tasks ({TASK_COLUMNS}) FROM STDIN") as copy:
            for n in range(rows):
                task_id = uuid.UUID(int=rng.getrandbits(128), version=4)
                groups = [rng.choice(INBOX_GROUPS)]
                if rng.random() < 0.1:
                    groups.append(rng.choice(INBOX_GROUPS))
                groups = sorted(set(groups))
                assignee = f"user{rng.randrange(500)}" if rng.random() < 0.02 else None
                created = epoch + timedelta(seconds=n * 7.7)
                copy.write_row(
                    (
                        task_id,
                        "default",
                        instance_ids[n % len(instance_ids)],
                        BENCH_KEY,
                        "Task_review",
                        "Review route",
                        assignee,
                        "[]",
                        json.dumps(groups),
                        rng.choice((40, 50, 50, 50, 60)),
                        "open",
                        created,
                    )
                )
                candidates.extend((task_id, g) for g in groups)
        with cur.copy("COPY task_candidates (task_id, kind, name, tenant_id) FROM STDIN") as copy:
            for task_id, group in candidates:
                copy.write_row((task_id, "group", group, "default"))
    conn.commit()
    # What autovacuum does soon after a bulk load in production (it may be off on a bench server):
    # without a visibility map every index-only probe of task_candidates visits the heap too.
    conn.autocommit = True
    conn.execute("VACUUM ANALYZE user_tasks")
    conn.execute("VACUUM ANALYZE task_candidates")
    conn.autocommit = False


def _seeded(conn: psycopg.Connection, rows: int) -> bool:
    """A kept database already holds the seed (the B3 tasks are the ones offered to the inbox groups)."""
    seeded = conn.execute(
        "SELECT count(DISTINCT task_id) FROM task_candidates WHERE kind = 'group' AND name = ANY(%s)",
        (list(INBOX_GROUPS),),
    ).fetchone()[0]
    return seeded >= rows


def count_visible(conn: psycopg.Connection, groups: tuple[str, ...]) -> int:
    return conn.execute(
        "SELECT count(DISTINCT task_id) FROM task_candidates c JOIN user_tasks t ON t.id = c.task_id "
        "WHERE c.kind = 'group' AND c.name = ANY(%s) AND t.status = 'open'",
        (list(groups),),
    ).fetchone()[0]


def explain_list_tasks(env: dict, username: str) -> list[dict]:
    """EXPLAIN (ANALYZE, BUFFERS) every statement list_tasks sends for `username`'s first page."""
    from sqlalchemy import event

    from app import create_app
    from app.config import Config
    from app.extensions import db
    from app.services import identity, tasks

    app = create_app(Config.from_env(env))
    sent: list[tuple[str, object]] = []
    with app.app_context():
        capture = lambda conn, cur, stmt, params, ctx, many: sent.append((stmt, params))  # noqa: E731
        user = identity.find_user(username)
        event.listen(db.engine, "before_cursor_execute", capture)
        tasks.list_tasks(user, limit=50)
        event.remove(db.engine, "before_cursor_execute", capture)
        plans = []
        for stmt, params in sent:
            rows = db.session.connection().exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + stmt, params)
            plan = [r[0] for r in rows]
            ms = next((line.split(":")[1].strip() for line in plan if line.startswith("Execution Time")), "")
            plans.append({"sql": stmt, "execution_time": ms, "plan": plan})
        db.session.rollback()
        db.engine.dispose()
    return plans


def run_b3(settings: Settings, stack: Stack, tokens: dict) -> dict:
    start_instances(stack.port, tokens["bench_worker"], 20)  # rows for the seeded tasks' foreign key
    with psycopg.connect(settings.database_url) as conn:
        ids = [r[0] for r in conn.execute("SELECT id FROM process_instances LIMIT 20")]
        began = time.monotonic()
        if not (settings.reuse_db and _seeded(conn, settings.inbox_rows)):
            seed(conn, settings.inbox_rows, ids)
        seed_s = time.monotonic() - began
        visible = count_visible(conn, INBOX_GROUPS[:5])
    client = Client(stack.port, tokens["inbox"])
    client.call("list", "GET", "/api/v1/tasks?limit=50")  # warm the connection and caches
    client.latencies.clear()
    deadline = time.monotonic() + settings.duration
    # At least 5 samples, so a slow page still yields more than one request; at most 2 minutes.
    cap = time.monotonic() + 120
    while (time.monotonic() < deadline or len(client.latencies["list"]) < 5) and time.monotonic() < cap:
        page = client.call("list", "GET", "/api/v1/tasks?limit=50")
    client.close()
    plans = explain_list_tasks(stack.env, "inbox")
    (RESULTS / "b3-explain.txt").write_text(
        "\n\n".join(p["sql"] + "\n" + "\n".join(p["plan"]) for p in plans)
    )
    return {
        "rows": settings.inbox_rows,
        "visible": visible,
        "total_reported": page.get("total"),
        "seed_s": round(seed_s, 1),
        "calls": {"list": latency_summary(client.latencies["list"])},
        "sql_execution_times": [p["execution_time"] for p in plans],
    }
