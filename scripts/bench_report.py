"""The printed table: one line per figure, with its target and whether this run met it.

Each scenario's figures are pulled out of its JSON by one `_<scenario>` function below; a target
is (text, test) keyed by the figure's label, so the verdict sits next to the number it judges.
"""

from __future__ import annotations

TARGETS = {
    "8 clients: completed/s": (">= 250/s", lambda v, r: v >= 250),
    "median of the rounds: B1 completed/s": (">= 250/s", lambda v, r: v >= 250),
    "ratio to pgbench -N tps": (">= 0.10", lambda v, r: v >= 0.1),
    "half load: complete p99": ("<= 50 ms", lambda v, r: v <= 50),
    "visit 1000 / visit 10": ("<= 1.5", lambda v, r: v <= 1.5),
    "list p99": ("<= 20 ms", lambda v, r: v <= 20),
    "fire lag p99": ("<= 2000 ms", lambda v, r: v <= 2000),
    "fires/s": (">= 500/s", lambda v, r: v >= 500),
    "largest process RSS": ("<= 150 MB", lambda v, r: v <= 150),
}


def _fmt(value, unit: str = "") -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        value = f"{value:,.1f}" if abs(value) >= 10 else f"{value:,.2f}"
    return f"{value}{unit}"


def _baseline(data: dict, results: dict):
    yield "pgbench -N tps (8 clients)", data.get("tps"), ""


def _floor(data: dict, results: dict):
    yield "bare Flask app, 8 clients: completed/s", data["completed_per_s"], "/s"
    yield (
        "bare Flask app: server/pg/client CPU",
        f"{data['server_cpu_ms_per_instance']}/{data['postgres_cpu_ms_per_instance']}/"
        f"{data['client_cpu_ms_per_instance']}",
        " ms per instance",
    )
    tps = results.get("baseline", {}).get("tps")
    if tps:
        yield "bare Flask app: ratio to pgbench -N tps", round(data["completed_per_s"] / tps, 3), ""
    if data["errors"]:
        yield "errors", data["errors"], "", data["first_error"]


def _b1(data: dict, results: dict):
    for clients, run in data.get("runs", {}).items():
        calls = run["calls"]
        yield f"{clients} clients: completed/s", run["completed_per_s"], "/s"
        for kind in ("start", "complete", "get"):
            if kind in calls:
                c = calls[kind]
                yield f"{clients} clients: {kind} p50/p95/p99", f"{c['p50']}/{c['p95']}/{c['p99']}", " ms"
        yield (
            f"{clients} clients: server/pg/client CPU",
            (
                f"{run['server_cpu_ms_per_instance']}/{run['postgres_cpu_ms_per_instance']}/"
                f"{run['client_cpu_ms_per_instance']}"
            ),
            " ms per instance",
        )
        yield f"{clients} clients: other processes on the machine", run.get("other_processes_cores"), " cores"
        if run["errors"]:
            yield f"{clients} clients: errors", run["errors"], "", run["first_error"]
    eight = data.get("runs", {}).get("8")
    tps = results.get("baseline", {}).get("tps")
    if eight and tps:
        yield "ratio to pgbench -N tps", round(eight["completed_per_s"] / tps, 3), ""
    floor = results.get("floor", {}).get("completed_per_s")
    if eight and floor:
        yield "8 clients: share of the bare Flask app's rate", round(eight["completed_per_s"] / floor, 2), ""
    half = data.get("half_load", {})
    if half.get("calls", {}).get("complete"):
        yield "half load: rate", half["rate"], "/s"
        yield "half load: complete p99", half["calls"]["complete"]["p99"], " ms"


def _rounds(data: dict, results: dict):
    for n, pair in enumerate(data["rounds"], 1):
        yield (
            f"round {n}: floor / B1 (8 clients)",
            f"{pair['floor_per_s']} / {pair['b1_per_s']}",
            f"/s; share {pair['share']}; B1 server CPU {pair['b1_server_cpu_ms']} ms",
        )
        if pair["errors"]:
            yield f"round {n}: errors", pair["errors"], ""
    yield "median of the rounds: B1 completed/s", data["median_b1_per_s"], "/s"
    yield "median of the rounds: share of the bare Flask app's rate", data["median_share"], ""
    yield "median of the rounds: B1 server CPU", data["median_server_cpu_ms"], " ms per instance"


def _b1b(data: dict, results: dict):
    yield "8 clients: remanufacturing completed/s", data["completed_per_s"], "/s"
    for kind in ("start", "complete", "get"):
        c = data["calls"].get(kind)
        if c:
            yield f"8 clients: {kind} p50/p95/p99", f"{c['p50']}/{c['p95']}/{c['p99']}", " ms"
    yield "server CPU per instance", data["server_cpu_ms_per_instance"], " ms"
    if data["errors"]:
        yield "errors", data["errors"], "", data["first_error"]


def _b2(data: dict, results: dict):
    for visits, ms in data.get("visits_ms", {}).items():
        yield f"visit {visits}: load+step+save", ms, " ms"
    yield "visit 1000 / visit 10", data.get("ratio_1000_10"), ""


def _b3(data: dict, results: dict):
    yield "open tasks / visible to the user", f"{data['rows']:,} / {data['visible']:,}", ""
    yield "list p50", data["calls"]["list"]["p50"], " ms"
    yield "list p99", data["calls"]["list"]["p99"], " ms"


def _b4(data: dict, results: dict):
    yield "pending timers", data.get("pending"), ""
    yield "fire lag p50", data.get("lag_p50_ms"), " ms"
    yield "fire lag p99", data.get("lag_p99_ms"), " ms"
    yield "fires/s", data.get("fires_per_s"), "/s"
    yield "fired / due in the window", f"{data.get('fired')} / {data.get('due')}", ""
    yield (
        "Celery/PostgreSQL CPU per fire",
        (f"{data.get('celery_cpu_ms_per_fire')}/{data.get('postgres_cpu_ms_per_fire')}"),
        " ms",
    )


def _b5(data: dict, results: dict):
    note = (
        []
        if data["active_instances"] >= data.get("wanted", 0)
        else [f"only {data['active_instances']} of {data['wanted']} started within {data.get('budget_s')} s"]
    )
    yield "active instances", data["active_instances"], "", *note
    for name, rss in data["rss_mb"].items():
        yield f"RSS {name}", " ".join(f"{v:.0f}" for v in rss), " MB"
    yield "largest process RSS", data["max_rss_mb"], " MB"


SCENARIOS = {
    "baseline": _baseline,
    "floor": _floor,
    "b1": _b1,
    "rounds": _rounds,
    "b1b": _b1b,
    "b2": _b2,
    "b3": _b3,
    "b4": _b4,
    "b5": _b5,
}


def rows(results: dict) -> list[tuple[str, ...]]:
    """(scenario, figure, value, target, verdict, note) for every figure the run produced."""
    table = []
    for scenario, lines in SCENARIOS.items():
        data = results.get(scenario)
        if data is None:
            continue
        reason = data.get("not_run") or data.get("skipped") or data.get("error")
        if reason:
            table.append((scenario.upper(), "not run", "-", "", "", reason))
            continue
        for label, value, unit, *note in lines(data, results):
            text, test = TARGETS.get(label, ("", None))
            verdict = "" if test is None or value is None else ("met" if test(value, results) else "NOT met")
            table.append((scenario.upper(), label, _fmt(value, unit), text, verdict, *(note or [""])))
    return table


def print_table(results: dict) -> None:
    table = rows(results)
    header = ("scenario", "figure", "value", "target", "verdict")
    widths = [max(len(str(r[i])) for r in (header, *table)) for i in range(5)]
    print()
    for row in (header, *table):
        print("  ".join(str(cell).ljust(w) for cell, w in zip(row[:5], widths, strict=True)).rstrip())
    for row in table:
        if len(row) > 5 and row[5]:
            print(f"  note {row[0]} {row[1]}: {row[5]}")
