"""Business rule tasks drawn in Camunda Modeler: what their result variable holds, as Camunda 7
(camunda:mapDecisionResult, resultList by default) and Camunda 8 (zeebe:calledDecision, the
decision's own result) put it there. Deployed and started over HTTP."""

from __future__ import annotations

import pytest

from tests.conftest import DATA

FILES = DATA / "decisions"


def _result(admin, model: str, variables: dict, decision: str = "discount", mapping: str = ""):
    text = (FILES / model).read_bytes().replace(b'"discount"', f'"{decision}"'.encode())
    if mapping:
        variable = b'camunda:resultVariable="result"'
        text = text.replace(variable, variable + b" " + mapping.encode())
    rates = "juel_rates.dmn" if decision.startswith("juel_") else "rates.dmn"
    deployed = admin.deploy_bytes({model: text, rates: (FILES / rates).read_bytes()})
    assert deployed.status_code in (200, 201), deployed.json
    key = "decide_c8" if "zeebe" in model else "decide_c7"
    started = admin.post(f"/process-definitions/{key}/instances", json={"variables": variables})
    assert started.status_code == 201 and started.json["status"] == "waiting", started.json
    return admin.get(f"/instances/{started.json['id']}").json["variables"]["result"]


@pytest.mark.parametrize(
    ("decision", "amount", "expected"),
    [
        ("discount", 5000, 0.1),  # one output: its value, as Zeebe stores it
        ("discount", 10, 0),
        ("offer", 10, {"rate": 0.05, "note": "standard"}),  # several outputs: a context
        ("flags", 50000, ["big", "huge"]),  # a multi-hit table: a list
        ("flags", 5, []),
    ],
)
def test_a_zeebe_result_variable_holds_the_decisions_own_result(admin, decision, amount, expected):
    # A Zeebe model reads it as `=result > 0`: a {"rate": 0.1} there compared no number.
    assert _result(admin, "decide_zeebe.bpmn", {"amount": amount}, decision) == expected


def test_a_camunda_7_result_variable_without_a_mapping_holds_the_result_list(admin):
    # camunda:mapDecisionResult defaults to resultList in Camunda 7 (and the Modeler omits it).
    assert _result(admin, "decide.bpmn", {"amount": 5000}) == [{"rate": 0.1}]
    assert _result(admin, "decide.bpmn", {"amount": 5}, "flags") == []


def test_a_collect_count_that_no_rule_matches_counts_0(admin):
    mapping = 'camunda:mapDecisionResult="singleEntry"'
    assert _result(admin, "decide.bpmn", {"amount": 5}, "flag_count", mapping) == 0
    assert _result(admin, "decide.bpmn", {"amount": 500}, "flag_count", mapping) == 1
    assert _result(admin, "decide_zeebe.bpmn", {"amount": 5}, "flag_count") == 0


@pytest.mark.parametrize(
    ("model", "reference"),
    [
        ("decide.bpmn", "${which}"),
        ("decide_zeebe.bpmn", "=which"),
        ("decide_zeebe.bpmn", "=&quot;dis&quot; + &quot;count&quot;"),
    ],
)
def test_a_decision_reference_written_as_an_expression_evaluates_the_decision_it_names(
    admin, model, reference
):
    # camunda:decisionRef="${...}" and zeebe decisionId="=..." are evaluated when the task is
    # reached; Baton looked for a decision keyed by the expression's text (an incident).
    mapping = 'camunda:mapDecisionResult="singleEntry"'
    assert _result(admin, model, {"amount": 5000, "which": "discount"}, reference, mapping) == 0.1


@pytest.mark.parametrize(
    ("amount", "customer", "tier"),
    [(20000, "x", "platinum"), (5, "vip-7", "gold"), (5000, "x", "silver"), (5, "x", "standard")],
)
def test_input_entries_read_the_input_by_name_and_a_true_expression_matches(admin, amount, customer, tier):
    # Camunda names the input value in its entries: cellInput, or the input's camunda:inputVariable
    # (amt > 10000); an entry that is an expression giving true matches (amount > 1000), as in
    # feel-scala. Baton read those names as unset variables and compared the input with the
    # expression's value, so every rule but the catch-all silently failed to match.
    variables = {"amount": amount, "customer": customer}
    mapping = 'camunda:mapDecisionResult="singleEntry"'
    assert _result(admin, "decide.bpmn", variables, "tier", mapping) == tier


@pytest.mark.parametrize(
    ("decision", "amount", "expected"),
    [("juel_discount", 5000, 500), ("juel_discount", 10, 0), ("juel_label", 7, "Order of 7")],
)
def test_a_camunda_7_decision_written_in_juel_decides(admin, decision, amount, expected):
    # expressionLanguage="juel" on input expressions, entries (cellInput) and literal expressions,
    # as Camunda Modeler 7 offers; the deployment was refused ('$' in a FEEL expression).
    mapping = 'camunda:mapDecisionResult="singleEntry"'
    assert _result(admin, "decide.bpmn", {"order": {"amount": amount}}, decision, mapping) == expected


def test_a_literal_expression_decisions_result_is_named_by_its_variable(admin):
    # Camunda 7 keys a literal expression's result by its <variable name="label">, which a
    # singleResult or resultList mapping shows; Baton used the decision's name, "Label (JUEL)".
    result = _result(admin, "decide.bpmn", {"order": {"amount": 7}}, "juel_label")
    assert result == [{"label": "Order of 7"}]


def test_a_decision_in_juel_without_saying_so_decides_as_in_camunda_7_before_7_13(admin):
    # Camunda 7 took JUEL by default for input expressions and output entries before 7.13, so
    # older files write ${...} with no expressionLanguage: FEEL cannot read it, JUEL is meant.
    dmn = (FILES / "juel_rates.dmn").read_bytes().replace(b' expressionLanguage="juel"', b"")
    dmn = dmn.replace(b"Order of ${order.amount}", b'${"Order of ".concat(order.amount)}')
    assert b"expressionLanguage" not in dmn
    model = (FILES / "decide.bpmn").read_bytes().replace(b'"discount"', b'"juel_discount"')
    assert admin.deploy_bytes({"decide.bpmn": model, "juel_rates.dmn": dmn}).status_code == 201
    started = admin.post(
        "/process-definitions/decide_c7/instances", json={"variables": {"order": {"amount": 5000}}}
    )
    assert started.json["variables"]["result"] == [{"discount": 500}], started.json
