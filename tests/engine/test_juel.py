"""JUEL: property paths, operators, empty, ternary, composites and the method whitelist."""

from __future__ import annotations

import pytest

from app.engine.expression_errors import ExpressionError
from app.engine.juel import JuelEvaluationError, JuelSyntaxError, evaluate, is_juel

CONTEXT = {
    "invoice": {"amount": 1200, "category": "Misc", "items": [1, 2], "meta": {"a b": 3}},
    "name": "World",
    "approved": True,
    "nothing": None,
    "text": "abc",
    "empty_list": [],
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("${invoice.amount}", 1200),
        ("${invoice['category']}", "Misc"),
        ("${invoice.items[1]}", 2),
        ('${invoice.meta["a b"]}', 3),
        ("${invoice.missing}", None),
        ("${nothing.anything}", None),
    ],
)
def test_property_paths(text, expected):
    assert evaluate(text, CONTEXT) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("${1 + 2 * 3}", 7),
        ("${(1 + 2) * 3}", 9),
        ("${10 / 4}", 2.5),
        ("${10 div 4}", 2.5),
        ("${10 % 3}", 1),
        ("${10 mod 3}", 1),
        ("${-invoice.amount}", -1200),
        ("${'2' + 3}", 5),
        ("${invoice.amount > 1000}", True),
        ("${invoice.amount gt 1000}", True),
        ("${1 lt 2}", True),
        ("${2 le 2}", True),
        ("${3 ge 4}", False),
        ("${1 == 1.0}", True),
        ("${1 eq 2}", False),
        ("${text != 'abc'}", False),
        ("${text ne 'x'}", True),
        ("${nothing == null}", True),
        ("${nothing < 3}", False),
        ("${true && false}", False),
        ("${true and true}", True),
        ("${false || true}", True),
        ("${false or false}", False),
        ("${!approved}", False),
        ("${not approved}", False),
        ("${approved ? 'yes' : 'no'}", "yes"),
        ("${nothing == null ? 0 : nothing.size()}", 0),
    ],
)
def test_operators(text, expected):
    assert evaluate(text, CONTEXT) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("${empty nothing}", True),
        ("${empty empty_list}", True),
        ("${empty ''}", True),
        ("${empty text}", False),
        ("${not empty invoice.items}", True),
    ],
)
def test_empty(text, expected):
    assert evaluate(text, CONTEXT) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("${execution.getVariable('name')}", "World"),
        ("${text.equals('abc')}", True),
        ("${text.contains('b')}", True),
        ("${text.startsWith('ab')}", True),
        ("${text.length()}", 3),
        ("${invoice.items.size()}", 2),
        ("${empty_list.isEmpty()}", True),
        ("${invoice.containsKey('amount')}", True),
        ("${text.toUpperCase()}", "ABC"),
        ("${text.matches('[a-c]+')}", True),
        ("${text.matches('b')}", False),  # Java's matches is the whole string
        ("${text.replace('b', 'B')}", "aBc"),
        ("${'a1b22'.replaceAll('[0-9]+', '#')}", "a#b#"),
        ("${'12-34'.replaceAll('(\\d+)-(\\d+)', '$2/$1')}", "34/12"),
        ("${'a1b2'.replaceFirst('[0-9]', '#')}", "a#b2"),
        ("${'a,b,,c,,'.split(',')}", ["a", "b", "", "c"]),  # Java drops trailing empties
        ("${'a,b,c'.split(',', 2)}", ["a", "b,c"]),
        ("${text.concat('d')}", "abcd"),
        ("${text.charAt(1)}", "b"),
        ("${'abcb'.lastIndexOf('b')}", 3),
        ("${'abcb'.indexOf('b', 2)}", 3),
        ("${'  '.isBlank()}", True),
        ("${text.compareTo('abd') < 0}", True),
    ],
)
def test_whitelisted_methods(text, expected):
    assert evaluate(text, CONTEXT) == expected


@pytest.mark.parametrize("method", ["getClass", "__init__", "forName", "exec"])
def test_other_methods_are_refused_by_name(method):
    with pytest.raises(JuelEvaluationError, match=method):
        evaluate(f"${{text.{method}()}}", CONTEXT)


def test_composite_text_and_delimiters():
    assert evaluate("Hello ${name}!", CONTEXT) == "Hello World!"
    assert evaluate("#{invoice.amount}", CONTEXT) == 1200
    assert evaluate("${'a}b'}", CONTEXT) == "a}b"
    assert evaluate("${approved} and ${nothing}", CONTEXT) == "true and "
    assert is_juel("${x}") and is_juel("a #{x}") and not is_juel("x > 1")


def test_errors_are_expression_errors():
    with pytest.raises(JuelSyntaxError) as caught:
        evaluate("${1 +}", CONTEXT)
    assert isinstance(caught.value, ExpressionError)
    assert caught.value.expression == "${1 +}"
    with pytest.raises(JuelSyntaxError):
        evaluate("${a.b", CONTEXT)
    with pytest.raises(JuelEvaluationError, match="unknown variable"):
        evaluate("${missing > 1}", CONTEXT)
    with pytest.raises(JuelEvaluationError, match="division by zero"):
        evaluate("${1 / 0}", CONTEXT)


def test_execution_properties_are_the_instances_facts_while_a_runner_holds_them():
    from app.engine.execution_facts import ExecutionFacts, held

    context = {"processBusinessKey": "a variable", "name": "Ada"}
    with held(ExecutionFacts("iid-1", "PART-7", "def-1", "acme")):
        assert evaluate("${execution.processBusinessKey}", context) == "PART-7"
        assert evaluate("${execution.getProcessInstanceId()}/${execution.tenantId}", context) == "iid-1/acme"
        assert evaluate("${execution.name}", context) == "Ada"  # any other name: the variable
    # Outside an instance (deploy checks, a handler's error expression): the variable of that name.
    assert evaluate("${execution.processBusinessKey}", context) == "a variable"
    with pytest.raises(JuelEvaluationError, match="getProcessBusinessKey"):
        evaluate("${execution.getProcessBusinessKey()}", context)


def test_execution_names_the_activity_evaluating_while_the_engine_holds_it():
    from app.engine.execution_facts import Activity, acting_on

    context = {"currentActivityId": "a variable"}
    with acting_on(Activity("inspect", "Inspect part", "t-1")):
        assert evaluate("${execution.currentActivityId}", context) == "inspect"
        assert evaluate("${execution.getCurrentActivityName()}", context) == "Inspect part"
        assert evaluate("${execution.activityInstanceId}", context) == "inspect:t-1"
        with acting_on(Activity(None, None, "t-2")):  # the engine's own start: no BPMN element
            assert evaluate("${execution.currentActivityId}", context) is None
    assert evaluate("${execution.currentActivityId}", context) == "a variable"
