"""Engine benchmark: one user-task step of a back-edge loop at visit 10, 100, 1,000 and 10,000.

Each measured step is what the server does for POST /tasks/{id}/complete, minus HTTP: the
complete_task service reads the instance's state row from PostgreSQL, loads the workflow, completes
the task, runs to the next wait, prunes, and writes the state row, history and task rows, then
commits. Target: the step at visit 1,000 costs at most 1.5x the step at visit 10.

    .venv/bin/python scripts/bench_engine.py            # BENCH_DATABASE_URL to choose the database

Prints a table and writes bench-results/engine.json. The database is dropped and created.
"""

from __future__ import annotations

import json
import os
import secrets
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MODEL = ROOT / "tests" / "data" / "engine" / "back_edge_loop.bpmn"
POINTS = (10, 100, 1_000, 10_000)
SAMPLES = 7  # steps timed around each point; the median is reported
DEFAULT_URL = "postgresql+psycopg://postgres@localhost:5432/baton_bench_engine"


def make_app(url: str):
    from flask_migrate import upgrade

    from app import create_app
    from app.config import Config
    from tests.conftest import recreate_database

    recreate_database(url)
    app = create_app(Config(DATABASE_URL=url, SECRET_KEY=secrets.token_urlsafe(32), BATON_ADMIN_TOKEN=None))
    with app.app_context():
        upgrade()
    return app


def start_loop(limit: int):
    from app.models import User
    from app.services import deployments, identity, instances

    identity.create_user("bench", roles="admin", password=secrets.token_urlsafe(16))
    actor = User.query.filter_by(username="bench").one()
    deployments.deploy([(MODEL.name, MODEL.read_bytes())], actor, name="bench-engine")
    instance, _ = instances.start_instance("back_edge_loop", actor, {"visits": 0, "limit": limit})
    return actor, instance.id


def open_task(instance_id):
    from app.extensions import db
    from app.models.tasks import OPEN, UserTask

    return db.session.query(UserTask.id).filter_by(instance_id=instance_id, status=OPEN).scalar()


def state_bytes(instance_id) -> int:
    from app.extensions import db
    from app.models import InstanceState

    return db.session.get(InstanceState, instance_id).size_bytes


def one_step(actor, instance_id) -> float:
    from app.extensions import db
    from app.services.tasks import complete_task

    task_id = open_task(instance_id)
    db.session.expire_all()  # the server starts each request with an empty session
    began = time.perf_counter()
    complete_task(actor, task_id, {})
    elapsed = time.perf_counter() - began
    db.session.remove()
    return elapsed * 1000


def fast_forward(instance_id, visit: int, point: int) -> int:
    """Advance to `point` with engine-only load/step/save cycles (no per-step rows or commits),
    then store the result like the server; only the steps at each point go through the service."""
    from app.engine.runner import Runner
    from app.extensions import db
    from app.models import InstanceState, ProcessInstance
    from app.services.bundles import bundle_for
    from app.services.instances import instance_definition
    from app.services.stepping import persist_step

    instance = db.session.get(ProcessInstance, instance_id)
    bundle = bundle_for(instance_definition(instance))
    state, result = db.session.get(InstanceState, instance_id).state, None
    task_id = open_task(instance_id)
    while visit < point:
        runner = Runner.load(bundle, state)
        runner.complete_user_task(task_id, {}, "bench")
        result = runner.result()
        state, visit, task_id = result.state, visit + 1, result.user_tasks[0].task_id
    if result is not None:
        result.history = []  # history of the skipped steps is not part of this measurement
        persist_step(instance, result, bundle.elements)
        db.session.commit()
    db.session.remove()
    return visit


def run(url: str) -> list[dict]:
    app = make_app(url)
    rows = []
    with app.app_context():
        actor, instance_id = start_loop(limit=max(POINTS) + SAMPLES + 10)
        visit = 1  # the first Inspect task is open: this is visit 1
        for point in POINTS:
            visit = fast_forward(instance_id, visit, point)
            times = []
            for _ in range(SAMPLES):
                times.append(one_step(actor, instance_id))
                visit += 1
            rows.append(
                {
                    "visit": point,
                    "ms": round(statistics.median(times), 2),
                    "state_bytes": state_bytes(instance_id),
                }
            )
            print(f"  visit {point:>6}: {rows[-1]['ms']} ms", file=sys.stderr, flush=True)
    return rows


def report(rows: list[dict]) -> dict:
    by_visit = {r["visit"]: r for r in rows}
    ratio = round(by_visit[1_000]["ms"] / by_visit[10]["ms"], 2)
    print(f"{'visit':>8} {'ms (load+step+save)':>20} {'state bytes':>12}")
    for r in rows:
        print(f"{r['visit']:>8} {r['ms']:>20.2f} {r['state_bytes']:>12}")
    print(f"ratio visit 1000 / visit 10: {ratio} (target <= 1.5)")
    return {
        "benchmark": "engine back-edge loop, one user-task step via complete_task on PostgreSQL",
        "samples_per_point": SAMPLES,
        "rows": rows,
        "ratio_1000_over_10": ratio,
        "target": 1.5,
    }


def main() -> int:
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    result = report(run(url))
    out = ROOT / "bench-results" / "engine.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {out.relative_to(ROOT)}")
    return 0 if result["ratio_1000_over_10"] <= result["target"] else 1


if __name__ == "__main__":
    sys.exit(main())
