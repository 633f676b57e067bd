"""DMN engine: hit policies, requirement chains, boxed expressions, typeRefs, errors, Camunda mapping."""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

import pytest

from app.engine.dmn import DmnEvaluationError, DmnParseError, load_dmn, map_decision_result
from app.engine.feel import to_json_value

DMN13 = "https://www.omg.org/spec/DMN/20191111/MODEL/"
DMN11 = "http://www.omg.org/spec/DMN/20151101/dmn.xsd"
SHARED = Path(os.environ.get("BATON_SHARED_DIR") or Path(__file__).resolve().parents[2].parent / "shared")
INVOICE = SHARED / "conformance" / "camunda-examples" / "invoice" / "invoiceBusinessDecisions.dmn"


def definitions(body: str, ns: str = DMN13) -> bytes:
    return f'<definitions xmlns="{ns}" id="defs" name="defs" namespace="test">{body}</definitions>'.encode()


def table(
    hit_policy: str,
    rules: list[tuple[str, ...]],
    outputs: tuple[str, ...] = ("result",),
    aggregation: str = "",
    output_values: str = "",
    table_id: str = ' id="table"',
) -> bytes:
    aggregation_attr = f' aggregation="{aggregation}"' if aggregation else ""
    values = f"<outputValues><text>{output_values}</text></outputValues>" if output_values else ""
    output_xml = "".join(f'<output name="{name}" typeRef="string">{values}</output>' for name in outputs)
    rule_xml = "".join(
        "<rule>"
        + f"<inputEntry><text>{rule[0]}</text></inputEntry>"
        + "".join(f"<outputEntry><text>{cell}</text></outputEntry>" for cell in rule[1:])
        + "</rule>"
        for rule in rules
    )
    return definitions(
        f'<decision id="d" name="Decision">'
        f'<decisionTable{table_id} hitPolicy="{hit_policy}"{aggregation_attr}>'
        '<input><inputExpression typeRef="number"><text>amount</text></inputExpression></input>'
        f"{output_xml}{rule_xml}</decisionTable></decision>"
    )


RULES = [("&lt; 10", '"low"'), ("&lt; 100", '"medium"'), ("&gt;= 5", '"high"')]


def evaluate(data: bytes, amount, decision: str = "d"):
    return to_json_value(load_dmn(data, "test.dmn").evaluate(decision, {"amount": amount}))


def test_unique_returns_the_one_match_and_refuses_overlaps():
    rules = [("&lt; 10", '"low"'), ("[10..100)", '"medium"'), ("&gt;= 100", '"high"')]
    assert evaluate(table("UNIQUE", rules), 50) == "medium"
    assert evaluate(table("UNIQUE", rules), 500) == "high"
    with pytest.raises(DmnEvaluationError, match="UNIQUE") as caught:
        evaluate(table("UNIQUE", RULES), 7)
    assert caught.value.decision_id == "d"


def test_first_and_rule_order():
    assert evaluate(table("FIRST", RULES), 7) == "low"
    assert evaluate(table("FIRST", RULES), 5000) == "high"
    assert evaluate(table("RULE ORDER", RULES), 7) == ["low", "medium", "high"]


def test_any_needs_agreeing_matches():
    agreeing = [("&lt; 10", '"x"'), ("&lt; 100", '"x"')]
    assert evaluate(table("ANY", agreeing), 5) == "x"
    with pytest.raises(DmnEvaluationError, match="ANY"):
        evaluate(table("ANY", RULES), 7)


def test_priority_and_output_order_follow_output_values():
    order = '"high","medium","low"'
    assert evaluate(table("PRIORITY", RULES, output_values=order), 7) == "high"
    assert evaluate(table("PRIORITY", RULES, output_values=order), 50) == "high"
    assert evaluate(table("OUTPUT ORDER", RULES, output_values=order), 7) == ["high", "medium", "low"]


def test_collect_with_and_without_aggregation():
    numbers = [("&lt; 10", "1"), ("&lt; 100", "20"), ("&gt;= 5", "300")]
    assert evaluate(table("COLLECT", RULES), 7) == ["low", "medium", "high"]
    assert evaluate(table("COLLECT", numbers, aggregation="SUM").replace(b'"string"', b'"number"'), 7) == 321
    assert evaluate(table("COLLECT", numbers, aggregation="MIN").replace(b'"string"', b'"number"'), 7) == 1
    assert evaluate(table("COLLECT", numbers, aggregation="MAX").replace(b'"string"', b'"number"'), 7) == 300
    assert evaluate(table("COLLECT", numbers, aggregation="COUNT").replace(b'"string"', b'"number"'), 50) == 2
    assert evaluate(table("COLLECT", RULES), -1000) == ["low", "medium"]
    # No rule matches: a count of 0 (Camunda 7 and 8), the other aggregations null
    count = table("COLLECT", numbers[2:], aggregation="COUNT").replace(b'"string"', b'"number"')
    assert evaluate(count, 0) == 0
    assert evaluate(count.replace(b'"COUNT"', b'"SUM"'), 0) is None


def test_multiple_outputs_give_contexts_and_rows():
    data = table("RULE ORDER", [("&lt; 10", '"a"', "1"), ("-", '"b"', "2")], outputs=("letter", "n"))
    assert evaluate(data, 5) == [{"letter": "a", "n": None}, {"letter": "b", "n": None}]
    model = load_dmn(data.replace(b'name="n" typeRef="string"', b'name="n" typeRef="number"'), "t.dmn")
    assert model.evaluate_rows("d", {"amount": 50}) == [{"letter": "b", "n": Decimal(2)}]


def test_decision_table_without_id_works():
    data = table("FIRST", RULES, table_id="")
    assert evaluate(data, 1) == "low"


def test_no_match_gives_null_or_the_default_output():
    rules = [("&lt; 10", '"low"')]
    assert evaluate(table("UNIQUE", rules), 50) is None
    with_default = table("UNIQUE", rules).replace(
        b'<output name="result" typeRef="string">',
        b'<output name="result" typeRef="string">'
        b'<defaultOutputEntry><text>"none"</text></defaultOutputEntry>',
    )
    assert evaluate(with_default, 50) == "none"


CHAIN = definitions("""
  <inputData id="i_amount" name="Loan Amount"><variable name="Loan Amount" typeRef="number"/></inputData>
  <decision id="fee" name="Fee">
    <variable name="Fee" typeRef="number"/>
    <informationRequirement><requiredInput href="#i_amount"/></informationRequirement>
    <literalExpression><text>Loan Amount * 0.01</text></literalExpression>
  </decision>
  <decision id="total" name="Total">
    <informationRequirement><requiredDecision href="#fee"/></informationRequirement>
    <literalExpression><text>Loan Amount + Fee</text></literalExpression>
  </decision>
  <decision id="label" name="Label">
    <variable name="Label" typeRef="string"/>
    <informationRequirement><requiredDecision href="#total"/></informationRequirement>
    <knowledgeRequirement><requiredKnowledge href="#describe"/></knowledgeRequirement>
    <invocation>
      <literalExpression><text>describe</text></literalExpression>
      <binding><parameter name="value"/><literalExpression><text>Total</text></literalExpression></binding>
    </invocation>
  </decision>
  <businessKnowledgeModel id="describe" name="describe">
    <encapsulatedLogic>
      <formalParameter name="value" typeRef="number"/>
      <literalExpression><text>"total " + string(value)</text></literalExpression>
    </encapsulatedLogic>
  </businessKnowledgeModel>
  <decision id="summary" name="Summary">
    <context>
      <contextEntry><variable name="double"/>
        <literalExpression><text>Loan Amount * 2</text></literalExpression></contextEntry>
      <contextEntry><variable name="rows"/><relation>
        <column name="a"/><row><literalExpression><text>1</text></literalExpression></row>
      </relation></contextEntry>
      <contextEntry><variable name="items"/><list>
        <literalExpression><text>double</text></literalExpression><literalExpression><text>2</text></literalExpression>
      </list></contextEntry>
    </context>
  </decision>
  <decision id="wrong" name="Wrong type">
    <variable name="Wrong type" typeRef="string"/>
    <literalExpression><text>42</text></literalExpression>
  </decision>
""")


def test_required_decisions_are_evaluated_in_a_chain():
    model = load_dmn(CHAIN, "chain.dmn")
    assert {d.id for d in model.decisions} == {"fee", "total", "label", "summary", "wrong"}
    assert to_json_value(model.evaluate("Total", {"Loan Amount": 1000})) == 1010
    assert model.evaluate("label", {"Loan Amount": 1000}) == "total 1010"


def test_boxed_contexts_relations_and_lists():
    result = to_json_value(load_dmn(CHAIN, "chain.dmn").evaluate("summary", {"Loan Amount": 3}))
    assert result == {"double": 6, "rows": [{"a": 1}], "items": [6, 2]}


def test_type_ref_coercion_turns_a_mismatch_into_null():
    model = load_dmn(CHAIN, "chain.dmn")
    assert model.evaluate("wrong", {}) is None
    assert model.evaluate("fee", {"Loan Amount": "not a number"}) is None


def test_dmn_11_namespace_loads():
    data = definitions(
        '<decision id="d" name="D"><literalExpression><text>1 + 1</text></literalExpression></decision>',
        ns=DMN11,
    )
    assert load_dmn(data, "old.dmn").evaluate("d", {}) == Decimal(2)


def test_parse_error_names_the_element_and_line():
    data = table("UNIQUE", [("&lt; 10", '"low"')]).replace(b"<inputEntry>", b'<inputEntry id="bad_cell">')
    data = data.replace(b"&lt; 10", b"&lt; &lt; 10")
    with pytest.raises(DmnParseError) as caught:
        load_dmn(data, "bad.dmn")
    error = caught.value
    assert isinstance(error, ValueError)
    assert error.element_id == "bad_cell" and error.filename == "bad.dmn" and error.line == 1
    assert "< < 10" in str(error)


def test_unknown_required_decision_and_non_dmn_are_refused():
    with pytest.raises(DmnParseError, match="required decision"):
        load_dmn(
            definitions(
                '<decision id="a"><informationRequirement><requiredDecision href="#nope"/>'
                "</informationRequirement><literalExpression><text>1</text>"
                "</literalExpression></decision>"
            ),
            "x.dmn",
        )
    with pytest.raises(DmnParseError, match="not a DMN"):
        load_dmn(b"<definitions/>", "x.dmn")


def test_camunda_map_decision_result_modes():
    rows = [{"result": "a"}, {"result": "b"}]
    assert map_decision_result(rows) == rows
    assert map_decision_result(rows, "resultList") == rows
    assert map_decision_result(rows, "collectEntries") == ["a", "b"]
    assert map_decision_result(rows[:1], "singleResult") == {"result": "a"}
    assert map_decision_result(rows[:1], "singleEntry") == "a"
    assert map_decision_result([], "singleEntry") is None
    with pytest.raises(DmnEvaluationError, match="singleEntry"):
        map_decision_result(rows, "singleEntry")
    with pytest.raises(DmnEvaluationError, match="singleResult"):
        map_decision_result(rows, "singleResult")
    with pytest.raises(DmnEvaluationError, match="exactly one output"):
        map_decision_result([{"a": 1, "b": 2}], "collectEntries")
    with pytest.raises(DmnEvaluationError, match="unknown"):
        map_decision_result(rows, "everything")


@pytest.mark.skipif(not INVOICE.exists(), reason="shared conformance folder not found")
@pytest.mark.parametrize(
    ("amount", "category", "classification", "approvers"),
    [
        (100, "Misc", "day-to-day expense", ["accounting", "sales"]),
        (600, "Misc", "budget", ["management"]),
        (2000, "Misc", "exceptional", ["management"]),
        (50, "Travel Expenses", "day-to-day expense", ["accounting", "sales"]),
        (9000, "Software License Costs", "budget", ["management"]),
    ],
)
def test_camunda_invoice_example(amount, category, classification, approvers):
    model = load_dmn(INVOICE.read_bytes(), INVOICE.name)
    variables = {"amount": amount, "invoiceCategory": category}
    assert model.evaluate("invoiceClassification", variables) == classification
    assert model.evaluate("invoice-assign-approver", variables) == approvers
    rows = model.evaluate_rows("invoice-assign-approver", variables)
    assert map_decision_result(rows, "collectEntries") == approvers


def typed_input(type_ref: str, rules: list[tuple[str, str]], output_type: str = "string") -> bytes:
    rule_xml = "".join(
        f"<rule><inputEntry><text>{test}</text></inputEntry><outputEntry><text>{out}</text></outputEntry></rule>"
        for test, out in rules
    )
    return definitions(
        '<decision id="d" name="Decision"><decisionTable hitPolicy="FIRST">'
        f'<input label="Amount"><inputExpression typeRef="{type_ref}">'
        "<text>amount</text></inputExpression></input>"
        f'<output name="result" typeRef="{output_type}"/>{rule_xml}</decisionTable></decision>'
    )


@pytest.mark.parametrize("type_ref", ["double", "integer", "long", "number"])
def test_a_numeric_string_input_is_a_number_as_camunda_transforms_it(type_ref):
    data = typed_input(type_ref, [("&gt; 100", '"big"'), ("-", '"small"')])
    assert (evaluate(data, "500"), evaluate(data, " 50 "), evaluate(data, 500)) == ("big", "small", "big")


@pytest.mark.parametrize(
    ("type_ref", "value", "problem"),
    [
        ("double", "5x00", "'5x00' is not a double"),
        ("number", "", "'' is not a number"),
        ("integer", "1.5", "'1.5' is not an integer"),
        ("integer", 2.5, "2.5 is not an integer"),
        ("integer", 2**40, "is out of the range of an integer"),
        ("boolean", "yes", "'yes' is not a boolean"),
        ("date", "next week", "'next week' is not a date"),
        ("string", [1], "is not a string, a number or a boolean"),
    ],
)
def test_a_value_camunda_cannot_transform_fails_the_decision_naming_input_and_value(type_ref, value, problem):
    with pytest.raises(DmnEvaluationError) as caught:
        evaluate(typed_input(type_ref, [("-", '"any"')]), value)
    assert (
        caught.value.decision_id == "d"
        and "input 'Amount'" in str(caught.value)
        and problem in str(caught.value)
    )


def test_booleans_strings_and_dates_are_transformed_too():
    assert evaluate(typed_input("boolean", [("true", '"yes"'), ("-", '"no"')]), "TRUE") == "yes"
    assert evaluate(typed_input("string", [('"500"', '"text"'), ("-", '"other"')]), 500) == "text"
    dated = typed_input("date", [('&gt;= date("2024-06-01")', '"late"'), ("-", '"early"')])
    assert (evaluate(dated, "2024-07-01"), evaluate(dated, "2024-01-01")) == ("late", "early")
    timed = typed_input("date", [('&gt;= date and time("2024-06-01T00:00:00")', '"late"'), ("-", '"early"')])
    assert evaluate(timed, "2024-07-01T10:00:00") == "late"  # Camunda 7's date is a point in time


def test_a_null_input_stays_null_and_an_integer_output_refuses_a_fraction():
    assert evaluate(typed_input("double", [("null", '"missing"'), ("-", '"given"')]), None) == "missing"
    with pytest.raises(DmnEvaluationError, match="output 'result' of rule 1: 1.5 is not an integer"):
        evaluate(typed_input("double", [("-", "1.5")], output_type="integer"), 1)
    assert evaluate(typed_input("double", [("-", '"7"')], output_type="long"), 1) == 7
