"""Camunda 7's mapDecisionResult for business rule tasks."""

from __future__ import annotations

from typing import Any

from app.engine.dmn.errors import DmnEvaluationError

MAPPINGS = ("singleEntry", "singleResult", "collectEntries", "resultList")


def map_decision_result(rows: list[dict[str, Any]], mode: str = "resultList") -> Any:
    """singleEntry -> the one value of the one row; singleResult -> the one row;
    collectEntries -> the one output's value from every row; resultList -> all rows."""
    mode = mode or "resultList"
    if mode not in MAPPINGS:
        raise DmnEvaluationError(f"unknown mapDecisionResult {mode!r}; use one of {', '.join(MAPPINGS)}")
    if mode == "resultList":
        return rows
    if mode in ("singleEntry", "singleResult") and len(rows) > 1:
        raise DmnEvaluationError(f"{mode} expects at most one matched rule, got {len(rows)}")
    if mode == "singleResult":
        return rows[0] if rows else None
    if any(len(row) != 1 for row in rows):
        raise DmnEvaluationError(f"{mode} expects rows with exactly one output, got {len(rows[0])}")
    if mode == "singleEntry":
        return next(iter(rows[0].values())) if rows else None
    return [next(iter(row.values())) for row in rows]
