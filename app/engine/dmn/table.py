"""Decision tables: matching rules and applying the hit policy (DMN 1.5, 8.2)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from lxml import etree

from app.engine.dmn.errors import DmnEvaluationError
from app.engine.dmn.hit_policies import apply_hit_policy
from app.engine.dmn.juel_language import entry_test, is_juel
from app.engine.dmn.loading import Loader
from app.engine.dmn.transforms import OUTPUT_TRANSFORMS, TypeMismatch
from app.engine.feel import CompiledExpression, FeelEvaluationError
from app.engine.feel.scope import Budget, Scope

SINGLE_HIT = ("UNIQUE", "FIRST", "PRIORITY", "ANY")
HIT_POLICIES = (*SINGLE_HIT, "COLLECT", "RULE ORDER", "OUTPUT ORDER")
AGGREGATIONS = ("SUM", "MIN", "MAX", "COUNT")
CAMUNDA_INPUT_VARIABLE = "{http://camunda.org/schema/1.0/dmn}inputVariable"


@dataclass
class Output:
    name: str
    type_ref: str | None
    priorities: list[Any]
    default: CompiledExpression | None
    coerce: Any = None


@dataclass
class Input:
    expression: CompiledExpression
    transform: Any
    label: str
    variable: str = "cellInput"  # what Camunda calls the input value in its entries


@dataclass
class Rule:
    index: int
    rule_id: str | None
    tests: list[Any]
    outputs: list[CompiledExpression | None]


class DecisionTable:
    """A compiled table; calling it with a context returns the decision's value, and `rows()`
    returns the matched rows after the hit policy (output name -> value)."""

    def __init__(self, element: etree._Element, load: Loader):
        self.table_id = element.get("id")
        self.hit_policy = (element.get("hitPolicy") or "UNIQUE").upper()
        self.aggregation = (element.get("aggregation") or "").upper() or None
        if self.hit_policy not in HIT_POLICIES:
            raise load.error(f"unknown hit policy {self.hit_policy!r}", element)
        if self.aggregation and (self.aggregation not in AGGREGATIONS or self.hit_policy != "COLLECT"):
            raise load.error(f"aggregation {self.aggregation!r} needs the COLLECT hit policy", element)
        self.types = load.types
        self.inputs = [self._input(clause, load) for clause in load.children(element, "input")]
        self.outputs = [self._output(clause, load) for clause in load.children(element, "output")]
        rules = load.children(element, "rule")
        self.rules = [self._rule(index, rule, load) for index, rule in enumerate(rules)]

    @staticmethod
    def _input(clause: etree._Element, load: Loader) -> Input:
        expression = load.child(clause, "inputExpression")
        text = load.text(expression)
        if expression is None or not text:
            raise load.error("an input clause needs an input expression", clause)
        label = clause.get("label") or clause.get("id") or text
        transform = load.types.transformer(expression.get("typeRef"))
        variable = clause.get(CAMUNDA_INPUT_VARIABLE) or "cellInput"
        return Input(load.expression(text, expression), transform, label, variable)

    @staticmethod
    def _output(clause: etree._Element, load: Loader) -> Output:
        values = load.child(clause, "outputValues")
        default = load.child(clause, "defaultOutputEntry")
        default_text = load.text(default)
        return Output(
            clause.get("name") or clause.get("label") or "",
            clause.get("typeRef"),
            load.value_list(load.text(values), values) if load.text(values) else [],
            load.expression(default_text, default) if default_text else None,
            load.types.transformer(clause.get("typeRef"), OUTPUT_TRANSFORMS),
        )

    def _rule(self, index: int, rule: etree._Element, load: Loader) -> Rule:
        entries = load.children(rule, "inputEntry")
        outputs = load.children(rule, "outputEntry")
        if len(entries) != len(self.inputs) or len(outputs) != len(self.outputs):
            raise load.error("a rule must have one entry per input and per output", rule)
        tests = [
            self._entry_test(entry, clause, load) for entry, clause in zip(entries, self.inputs, strict=True)
        ]
        values = [load.expression(load.text(entry), entry) if load.text(entry) else None for entry in outputs]
        return Rule(index, rule.get("id"), tests, values)

    @staticmethod
    def _entry_test(entry: etree._Element, clause: Input, load: Loader) -> Any:
        text = load.text(entry)
        if text and text != "-" and is_juel(entry, text):
            return entry_test(load.juel(text, entry), clause.variable)
        tests = load.unary_tests(text, entry)
        if tests.matches_all:
            return None
        if not re.search(rf"(?<!\w){re.escape(clause.variable)}(?!\w)", text):
            return tests.test
        # Camunda gives the entry the input value by name (cellInput, or camunda:inputVariable)
        test, name = tests.test, clause.variable
        return lambda value, scope: test(value, scope.child({name: value}))

    def matching_rules(self, context: dict) -> list[Rule]:
        scope = Scope(context, None, Budget())
        values = []
        for clause in self.inputs:
            value = clause.expression.node(scope)
            try:
                values.append(clause.transform(value))
            except TypeMismatch as exc:
                raise DmnEvaluationError(f"input '{clause.label}': {exc}")
        pairs = list(enumerate(values))
        matched = []
        for rule in self.rules:
            tests = rule.tests
            for index, value in pairs:
                test = tests[index]
                if test is not None and test(value, scope) is not True:
                    break
            else:
                matched.append(rule)
        return matched

    def _row(self, rule: Rule, context: dict) -> dict[str, Any]:
        row = {}
        for output, expression in zip(self.outputs, rule.outputs, strict=True):
            value = expression.evaluate(context) if expression is not None else None
            try:
                row[output.name] = output.coerce(value)
            except TypeMismatch as exc:
                raise DmnEvaluationError(
                    f"output '{output.name}' of rule {rule.rule_id or rule.index + 1}: {exc}"
                )
        return row

    def _default_rows(self, context: dict) -> list[dict[str, Any]]:
        if not any(output.default for output in self.outputs):
            return []
        return [
            {
                output.name: output.default.evaluate(context) if output.default else None
                for output in self.outputs
            }
        ]

    def rows(self, context: dict) -> list[dict[str, Any]]:
        """The rows the hit policy keeps (an aggregation keeps one row holding its result)."""
        try:
            matched = self.matching_rules(context)
            rows = [self._row(rule, context) for rule in matched]
        except FeelEvaluationError as exc:
            raise DmnEvaluationError(str(exc))
        if not rows and self.aggregation != "COUNT":  # no rule matched: a count of 0, as in Camunda
            return self._default_rows(context)
        return apply_hit_policy(self, matched, rows)

    def __call__(self, context: dict) -> Any:
        rows = self.rows(context)
        values: list[Any] = [next(iter(row.values())) for row in rows] if len(self.outputs) == 1 else rows
        if self.hit_policy in SINGLE_HIT or self.aggregation:
            return values[0] if values else None
        return values


def compile_table(element: etree._Element, load: Loader) -> DecisionTable:
    return DecisionTable(element, load)
