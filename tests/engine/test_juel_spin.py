"""Camunda Spin's S() in JUEL, as connector output mappings read a JSON answer."""

import pytest

from app.engine import juel
from app.engine.expression_errors import ExpressionError

ANSWER = '{"rate": 1.08, "name": "Euro", "open": true, "bank": {"city": "Frankfurt"}, "items": [1, 2]}'


@pytest.mark.parametrize(
    ("expression", "value"),
    [
        ('${S(response).prop("rate").numberValue()}', 1.08),
        ('${S(response).prop("name").stringValue()}', "Euro"),
        ('${S(response).prop("open").boolValue()}', True),
        ('${S(response).prop("bank").prop("city").stringValue()}', "Frankfurt"),
        ('${S(response).prop("bank")}', {"city": "Frankfurt"}),  # a node is stored as its JSON
        ('${S(response).prop("items").elements().size()}', 2),
        ('${S(response).hasProp("missing")}', False),
        ('${JSON(response).prop("rate").numberValue() > 1}', True),
        ('Rate: ${S(response).prop("rate").numberValue()}', "Rate: 1.08"),
    ],
)
def test_spin_reads_a_json_answer(expression, value):
    assert juel.evaluate(expression, {"response": ANSWER}) == value


@pytest.mark.parametrize(
    ("expression", "problem"),
    [
        ('${S(response).prop("missing").stringValue()}', "no property 'missing'"),
        ('${S(response).prop("name").numberValue()}', "expected a number, the node is a string"),
        ('${S(response).prop("rate").prop("x")}', "needs an object, this node is a number"),
        ("${S(status)}", "S() needs JSON text"),
        ("${S(broken)}", "could not parse the JSON"),
        ("${S(response).getClass()}", "method 'getClass' is not allowed"),
    ],
)
def test_spin_errors_name_what_is_wrong(expression, problem):
    with pytest.raises(ExpressionError) as error:
        juel.evaluate(expression, {"response": ANSWER, "status": 200, "broken": "{nope"})
    assert problem in str(error.value)
