"""A loaded DMN model: its decisions, and evaluating one with its required decisions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from app.engine.dmn.errors import DmnEvaluationError
from app.engine.dmn.table import DecisionTable
from app.engine.dmn.types import TypeRegistry
from app.engine.feel import FeelEvaluationError, from_json_value
from app.engine.feel.values import FeelFunction


@dataclass(frozen=True)
class DecisionInfo:
    id: str
    name: str


@dataclass
class Decision:
    id: str
    name: str
    type_ref: str | None
    required: list[str]
    evaluate: Callable[[dict], Any]
    result_name: str = ""  # a literal expression's result in Camunda's mapping: its variable's name

    @property
    def table(self) -> DecisionTable | None:
        return self.evaluate if isinstance(self.evaluate, DecisionTable) else None


@dataclass
class InputData:
    id: str
    name: str
    type_ref: str | None


@dataclass
class DmnModel:
    """Decisions by id; evaluate one by id or name with a dict of JSON-ish input variables."""

    filename: str
    by_id: dict[str, Decision]
    inputs: list[InputData]
    functions: dict[str, Callable[[dict], FeelFunction]]
    types: TypeRegistry
    by_name: dict[str, Decision] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.by_name = {decision.name: decision for decision in self.by_id.values()}

    @property
    def decisions(self) -> list[DecisionInfo]:
        return [DecisionInfo(decision.id, decision.name) for decision in self.by_id.values()]

    def decision(self, id_or_name: str) -> Decision:
        found = self.by_id.get(id_or_name) or self.by_name.get(id_or_name)
        if found is None:
            raise DmnEvaluationError(
                f"no decision with id or name {id_or_name!r} in {self.filename}", id_or_name
            )
        return found

    def evaluate(self, decision_id_or_name: str, variables: dict | None = None) -> Any:
        """The decision's FEEL value: one output -> the value, several -> a context,
        COLLECT / RULE ORDER / OUTPUT ORDER -> a list."""
        decision = self.decision(decision_id_or_name)
        context = self._context(decision, variables or {})
        return self._run(decision, lambda: decision.evaluate(context))

    def evaluate_rows(self, decision_id: str, variables: dict | None = None) -> list[dict[str, Any]]:
        """The matched rows (output name -> value), for Camunda's decision result mapping; a
        literal expression decision gives one row keyed by its variable's name, as Camunda 7
        names it (the decision's name when it has no variable)."""
        decision = self.decision(decision_id)
        context = self._context(decision, variables or {})
        table = decision.table
        if table is None:
            name = decision.result_name or decision.name
            return [{name: self._run(decision, lambda: decision.evaluate(context))}]
        return self._run(decision, lambda: table.rows(context), coerce=False)

    def _run(self, decision: Decision, step: Callable[[], Any], coerce: bool = True) -> Any:
        try:
            value = step()
            return self.types.coerce(value, decision.type_ref) if coerce else value
        except DmnEvaluationError as exc:
            raise DmnEvaluationError(exc.message, exc.decision_id or decision.id)
        except FeelEvaluationError as exc:
            raise DmnEvaluationError(str(exc), decision.id)

    def _context(self, decision: Decision, variables: dict) -> dict:
        context = {name: from_json_value(value) for name, value in variables.items()}
        for item in self.inputs:
            if item.name in context:
                context[item.name] = self.types.coerce(context[item.name], item.type_ref)
        for name, make in self.functions.items():
            context.setdefault(name, make(context))
        self._require(decision, context, set())
        return context

    def _require(self, decision: Decision, context: dict, done: set[str]) -> None:
        for required_id in decision.required:
            if required_id in done:
                continue
            done.add(required_id)
            required = self.by_id[required_id]
            self._require(required, context, done)
            value = self._run(required, partial(required.evaluate, context))
            context[required.name] = value
            context.setdefault(required.id, value)
            table = required.table
            if table is not None and len(table.outputs) == 1 and table.outputs[0].name:
                context.setdefault(table.outputs[0].name, value)
