"""Server CPU per B1 instance, in-process: start + complete through the WSGI app, no server, no client.

    .venv/bin/python scripts/bench_cpu.py [--instances 2000] [--db baton_bench_cpu]
    .venv/bin/python scripts/bench_cpu.py --instructions [--instances 300]

It drops and creates the database (under BENCH_PG_URL, default postgresql://postgres@localhost:5432),
migrates it, deploys scripts/bench_process/ as the bench does, then times `time.process_time()`
around each POST start + POST complete of `bench_routing` (start -> DMN -> user task -> end). The
machine's other load shows in wall time, far less in this process's own CPU: compare A/B runs of
this script on one machine, not its figure with another's.

On a shared machine even process time drifts by a third within the hour. `--instructions` counts
instead: it runs this script twice under valgrind's cachegrind (the same set-up, then once with no
instances and once with `--instances`) and prints the instructions per instance, the difference
over the count. That figure repeats to within a percent whatever else the machine does, so it is
the one to compare a change against (PostgreSQL's own work is not in it).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scripts.bench_fixtures import BENCH_KEY, model_files  # noqa: E402
from scripts.bench_throughput import ROUTING_PASS  # noqa: E402

WARM_UP = 100


def main() -> None:
    args = _arguments()
    if args.instructions:
        return _count_instructions(args)
    url = os.environ.get("BENCH_PG_URL", "postgresql://postgres@localhost:5432") + "/" + args.db
    app = _app(url.replace("postgresql://", "postgresql+psycopg://", 1))
    client, headers = app.test_client(), {"Authorization": f"Bearer {_token(app)}"}
    costs = []
    for n in range(WARM_UP + args.instances):
        before = time.process_time()
        _one_instance(client, headers)
        if n >= WARM_UP:
            costs.append(time.process_time() - before)
    if len(costs) < 10:
        return
    tenth = statistics.quantiles(costs, n=10)[0]  # the least disturbed by other processes' load
    print(
        f"{args.instances} instances: CPU per instance mean {statistics.mean(costs) * 1000:.3f} ms, "
        f"median {statistics.median(costs) * 1000:.3f} ms, 10th percentile {tenth * 1000:.3f} ms"
    )


def _arguments():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=2000)
    parser.add_argument("--db", default="baton_bench_cpu")
    parser.add_argument("--instructions", action="store_true", help="count instructions with valgrind")
    return parser.parse_args()


def _count_instructions(args) -> None:
    if shutil.which("valgrind") is None:
        raise SystemExit("--instructions needs valgrind (apt-get install valgrind)")
    counts = [_instructions(args.db, n) for n in (0, args.instances)]
    per = (counts[1] - counts[0]) / max(args.instances, 1)
    print(f"{args.instances} instances: {per / 1e6:.2f} M instructions per instance (this process only)")


def _instructions(db: str, instances: int) -> int:
    argv = ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null"]
    argv += [sys.executable, __file__, "--instances", str(instances), "--db", db]
    done = subprocess.run(argv, capture_output=True, text=True, check=True)
    return int(re.search(r"I\s+refs:\s+([\d,]+)", done.stderr).group(1).replace(",", ""))


def _app(url: str):
    from flask_migrate import upgrade

    from app import create_app
    from app.config import Config
    from tests.conftest import recreate_database

    recreate_database(url)
    secret = "bench-cpu"  # noqa: S105 (a throwaway bench database)
    app = create_app(Config(DATABASE_URL=url, SECRET_KEY=secret, BATON_ADMIN_TOKEN=None))
    with app.app_context():
        upgrade()
    return app


def _token(app) -> str:
    from app.extensions import db
    from app.services import identity
    from app.services.deployments import deploy

    with app.app_context():
        admin = identity.create_user("bench_admin", roles="admin")
        token = identity.create_token("bench_admin", name="bench")
        deploy(model_files(), admin, name="bench")
        db.session.commit()
    return token


def _one_instance(client, headers) -> None:
    started = client.post(
        f"/api/v1/process-definitions/{BENCH_KEY}/instances",
        json={"variables": ROUTING_PASS},
        headers=headers,
    ).json
    done = client.post(
        f"/api/v1/tasks/{started['tasks'][0]['id']}/complete", json={"variables": {}}, headers=headers
    ).json
    if done["instance"]["status"] != "completed":
        raise SystemExit(f"instance {started['id']} is {done['instance']['status']} after its task")


if __name__ == "__main__":
    main()
