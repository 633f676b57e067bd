"""How long a failed service job waits before its next attempt, and how many attempts it gets."""

from __future__ import annotations

import random
import re

DEFAULT_ATTEMPTS = 3
BASE_SECONDS, CAP_SECONDS = 2.0, 300.0
_CYCLE = re.compile(r"^R(\d+)/(P.+)$", re.IGNORECASE)


def attempts_for(element: dict) -> int:
    """camunda:failedJobRetryTimeCycle `R3/PT10S` -> 3; zeebe retries="5" -> 5; else the default."""
    match = _CYCLE.match((element.get("retry_cycle") or "").strip())
    if match:
        return max(1, int(match.group(1)))
    retries = str(element.get("retries") or "")
    return max(1, int(retries)) if retries.isdigit() else DEFAULT_ATTEMPTS


def delay_seconds(attempt: int, retry_cycle: str | None) -> float:
    """Seconds before attempt `attempt + 1`: the model's fixed interval, else exponential; both jittered.

    Jitter (up to +-20%) spreads retries of many jobs that failed together (a downstream outage).
    """
    match = _CYCLE.match((retry_cycle or "").strip())
    if match:
        from app.engine.timers import duration_seconds

        base = duration_seconds(match.group(2))
    else:
        base = min(CAP_SECONDS, BASE_SECONDS * 2 ** max(0, attempt - 1))
    return base * random.uniform(0.8, 1.2)
