"""How long a failed service job waits before its next attempt, and how many attempts it gets."""

from __future__ import annotations

import logging
import random

from app.engine.timers import retry_schedule

log = logging.getLogger(__name__)
DEFAULT_ATTEMPTS = 3
BASE_SECONDS, CAP_SECONDS = 2.0, 300.0


def attempts_for(element: dict) -> int:
    """camunda:failedJobRetryTimeCycle `R3/PT10S` -> 3, `PT1M,PT5M` -> 3; zeebe retries="5" -> 5;
    else the default."""
    schedule = _schedule(element.get("retry_cycle"))
    if schedule is not None:
        return len(schedule) + 1
    retries = str(element.get("retries") or "")
    return max(1, int(retries)) if retries.isdigit() else DEFAULT_ATTEMPTS


def delay_seconds(attempt: int, retry_cycle: str | None) -> float:
    """Seconds before attempt `attempt + 1`: the model's interval, else exponential; both jittered.

    Jitter (up to +-20%) spreads retries of many jobs that failed together (a downstream outage).
    """
    schedule = _schedule(retry_cycle)
    if schedule:
        base = schedule[min(max(attempt, 1), len(schedule)) - 1]
    else:
        base = min(CAP_SECONDS, BASE_SECONDS * 2 ** max(0, attempt - 1))
    return base * random.uniform(0.8, 1.2)


def _schedule(retry_cycle: str | None) -> list[float] | None:
    if retry_cycle is None or not retry_cycle.strip():
        return None
    try:
        return retry_schedule(retry_cycle)
    except ValueError as exc:  # refused at deploy; a notify.retryCycle property is not checked there
        log.warning("retry cycle ignored, the default backoff applies: %s", exc)
        return None
