"""Hit policies: which matched rows a decision table returns, and in what order."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from app.engine.dmn.errors import DmnEvaluationError
from app.engine.feel import ops

if TYPE_CHECKING:
    from app.engine.dmn.table import DecisionTable, Rule


def _rule_names(rules: list[Rule]) -> str:
    return ", ".join(rule.rule_id or f"#{rule.index + 1}" for rule in rules)


def _priority(table: DecisionTable, row: dict[str, Any]) -> tuple[int, ...]:
    key = []
    for output in table.outputs:
        value, order = row[output.name], output.priorities
        position = next((i for i, item in enumerate(order) if ops.equals(item, value) is True), len(order))
        key.append(position)
    return tuple(key)


def _aggregate(table: DecisionTable, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if len(table.outputs) != 1:
        raise DmnEvaluationError("an aggregation needs exactly one output")
    name = table.outputs[0].name
    values = [row[name] for row in rows if row[name] is not None]
    if table.aggregation == "COUNT":
        return [{name: Decimal(len(values))}]
    if not values:
        return [{name: None}]
    if table.aggregation == "SUM":
        total = values[0]
        for value in values[1:]:
            total = ops.add(total, value)
        return [{name: total}]
    ordered = sorted(range(len(values)), key=lambda i: _Sortable(values[i]))
    return [{name: values[ordered[0] if table.aggregation == "MIN" else ordered[-1]]}]


class _Sortable:
    __slots__ = ("value",)

    def __init__(self, value: Any):
        self.value = value

    def __lt__(self, other: _Sortable) -> bool:
        order = ops.compare(self.value, other.value)
        if order is None:
            raise DmnEvaluationError("the collected values cannot be compared")
        return order < 0


def apply_hit_policy(table: DecisionTable, rules: list[Rule], rows: list[dict[str, Any]]) -> list[dict]:
    policy = table.hit_policy
    if policy == "UNIQUE":
        if len(rows) > 1:
            raise DmnEvaluationError(f"hit policy UNIQUE but several rules match: {_rule_names(rules)}")
        return rows
    if policy == "FIRST":
        return rows[:1]
    if policy == "ANY":
        if any(ops.equals(row, rows[0]) is not True for row in rows[1:]):
            raise DmnEvaluationError(
                f"hit policy ANY but the matching rules give different outputs: {_rule_names(rules)}"
            )
        return rows[:1]
    if policy == "PRIORITY":
        return [min(rows, key=lambda row: _priority(table, row))]
    if policy == "OUTPUT ORDER":
        return sorted(rows, key=lambda row: _priority(table, row))
    if table.aggregation:
        return _aggregate(table, rows)
    return rows
