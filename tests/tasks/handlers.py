"""Handlers the worker tests call; their side effects are files under BATON_TEST_EFFECTS_DIR."""

from __future__ import annotations

import os
import time
from pathlib import Path

from app.handlers import BpmnError, service_handler


def _dir() -> Path:
    path = Path(os.environ["BATON_TEST_EFFECTS_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


@service_handler("test.decline")
def decline(variables: dict, idempotency_key: str) -> dict:
    raise BpmnError("CARD_DECLINED", "insufficient funds")


@service_handler("tests.flaky")
def flaky(variables: dict, idempotency_key: str) -> dict:
    with (_dir() / f"flaky-{idempotency_key}.calls").open("a") as calls:
        calls.write(f"{time.time()}\n")
    if not (_dir() / "erp-is-up").exists():
        raise ConnectionError("ERP is down")
    return {"synced": True}


class LedgerClosed(RuntimeError):
    retryable = False  # (the period stays closed however often it is asked)


@service_handler("tests.closed_ledger")
def closed_ledger(variables: dict, idempotency_key: str) -> dict:
    with (_dir() / f"ledger-{idempotency_key}.calls").open("a") as calls:
        calls.write(f"{time.time()}\n")
    raise LedgerClosed("the 2026-11 period is closed for postings")


@service_handler("test.slow_counter")
def slow_counter(variables: dict, idempotency_key: str) -> dict:
    """Counts calls and side effects per key; the first call sleeps so a test can SIGKILL it."""
    calls = _dir() / f"slow-{idempotency_key}.calls"
    first = not calls.exists()
    with calls.open("a") as out:
        out.write(f"{os.getpid()}\n")
    if first:
        time.sleep(6)
    effect = _dir() / f"slow-{idempotency_key}.effect"
    if not effect.exists():  # the side effect, done at most once per idempotency key
        effect.write_text("shipped\n")
    return {"shipped": True}


@service_handler("test.limit")
def limit(variables: dict, idempotency_key: str) -> dict:
    """Fails (a technical error) while the amount is over 100: a retry with corrected variables passes."""
    if variables.get("amount", 0) > 100:
        raise ValueError(f"amount {variables.get('amount')} is over the limit")
    return {"charged": variables["amount"]}


@service_handler("test.returns_date")
def returns_date(variables: dict, idempotency_key: str) -> dict:
    from datetime import date

    return {"shipped_on": date(2026, 1, 2)}


@service_handler("test.returns_list")
def returns_list(variables: dict, idempotency_key: str):
    return ["not", "a", "dict"]


@service_handler("test.always_fails")
def always_fails(variables: dict, idempotency_key: str) -> dict:
    with (_dir() / f"fails-{idempotency_key}.calls").open("a") as calls:
        calls.write(f"{time.time()}\n")
    raise ConnectionError("the mail gateway refuses connections")


@service_handler("test.decline_with_details")
def decline_with_details(variables: dict, idempotency_key: str) -> dict:
    raise BpmnError("CARD_DECLINED", "insufficient funds", variables={"retryAfterDays": 3})


@service_handler("test.send_letter")
def send_letter(variables: dict, idempotency_key: str) -> dict:
    """A side effect with no idempotency of its own; takes two seconds, so a test can suspend meanwhile."""
    with (_dir() / f"letter-{idempotency_key}.calls").open("a") as calls:
        calls.write(f"{time.time()}\n")
    time.sleep(2)
    return {"letter": "sent"}


@service_handler("test.kills_its_worker")
def kills_its_worker(variables: dict, idempotency_key: str) -> dict:
    """Dies as a handler that runs its worker out of memory does, on every call."""
    import signal

    with (_dir() / f"killer-{idempotency_key}.calls").open("a") as calls:
        calls.write(f"{time.time()}\n")
    os.kill(os.getpid(), signal.SIGKILL)
    return {}
