"""Ordinary use of the sandbox: what model scripts, conditions and templates are allowed to do."""

import sys
import threading
from datetime import datetime

import pytest

from app.engine import sandbox
from app.engine.sandbox import (
    SandboxError,
    SandboxScriptError,
    SandboxSyntaxError,
    SandboxTimeout,
    SandboxViolation,
    check_expression,
    check_script,
    evaluate,
    render_template,
    run_script,
)


def test_script_assignments_become_variables():
    result = run_script("total = price * qty\ntax = total * 0.25", {"price": 4, "qty": 3})
    assert result == {"price": 4, "qty": 3, "total": 12, "tax": 3.0}


def test_del_removes_a_variable():
    assert run_script("del draft", {"draft": "x", "kept": 1}) == {"kept": 1}


def test_indented_script_from_xml_runs():
    assert run_script("\n        a = 1\n        b = a + 1\n", {}) == {"a": 1, "b": 2}


def test_comprehensions_lambdas_and_functions_can_be_used_then_dropped():
    code = """
def net(item):
    return item['price'] * item['qty']
by_price = sorted(items, key=lambda i: i['price'])
totals = [net(i) for i in items if i['qty'] > 0]
names = {i['name']: net(i) for i in items}
label = ', '.join(str(t) for t in totals)
del net
"""
    items = [{"name": "a", "price": 3, "qty": 2}, {"name": "b", "price": 1, "qty": 0}]
    result = run_script(code, {"items": items})
    assert result["totals"] == [6]
    assert result["names"] == {"a": 6, "b": 0}
    assert result["label"] == "6"
    assert [i["name"] for i in result["by_price"]] == ["b", "a"]


def test_strings_formatting_and_item_updates():
    code = """
greeting = f"Dear {name.title()}, you owe {amount:.2f} ({amount!r})"
line = '%s-%05d' % (code, 42)
counts = {'a': 1}
counts['a'] += 2
total = 0
for n in range(4):
    total += n
first, *rest = [1, 2, 3]
"""
    result = run_script(code, {"name": "ada lovelace", "amount": 2.5, "code": "X"})
    assert result["greeting"] == "Dear Ada Lovelace, you owe 2.50 (2.5)"
    assert result["line"] == "X-00042"
    assert result["counts"] == {"a": 3}
    assert result["total"] == 6
    assert (result["first"], result["rest"]) == (1, [2, 3])


def test_lists_grow_by_extend_slices_and_unpacking_as_in_python():
    """Growing a list in place is checked for size (tests/engine/test_sandbox_escapes.py), not refused:
    many small additions in a loop stay far inside the run's budget."""
    code = """
steps = [1]
steps.extend([2, 3])
steps.extend(n for n in range(4, 6))
steps[len(steps):] = (6, 7)
steps[0:1] = []
merged = [*steps, *extra]
pair = (*extra, 0)
log = []
for i in range(20000):
    log.extend([i])
log[:] = log[:3]
"""
    result = run_script(code, {"extra": [8, 9]})
    assert result["steps"] == [2, 3, 4, 5, 6, 7]
    assert result["merged"] == [2, 3, 4, 5, 6, 7, 8, 9] and result["pair"] == (8, 9, 0)
    assert result["log"] == [0, 1, 2]


def test_try_except_with_named_exceptions_works():
    code = "try:\n    x = 1 / 0\nexcept ZeroDivisionError as e:\n    x = str(e)"
    assert run_script(code, {})["x"] == "division by zero"


def test_dates_and_math_helpers_are_available():
    code = (
        "due = start + timedelta(days=3)\nday = due.isoformat()\n"
        "up = math.ceil(2.1)\nok = isinstance(day, str)"
    )
    result = run_script(code, {"start": datetime(2024, 1, 1)})
    assert result["due"] == datetime(2024, 1, 4)
    assert result["day"] == "2024-01-04T00:00:00"
    assert (result["up"], result["ok"]) == (3, True)


def test_helpers_are_callable_but_never_returned():
    result = run_script("y = double(x)", {"x": 2}, helpers={"double": lambda v: v * 2})
    assert result == {"x": 2, "y": 4}


def test_helper_modules_are_refused():
    with pytest.raises(TypeError):
        run_script("y = 1", {}, helpers={"sys": sys})


def test_underscore_variables_are_hidden_and_passed_through():
    result = run_script("y = 1", {"_internal": {"a": 1}, "x": 0})
    assert result["_internal"] == {"a": 1}
    with pytest.raises(SandboxViolation):
        run_script("y = _internal", {"_internal": 1})


@pytest.mark.parametrize(
    ("code", "culprit"),
    [
        ("f = lambda: 1", "f"),
        ("s = {1, 2}", "s"),
        ("o = [range(3)]", "o"),
        ("d = {'k': {1}}", "d"),
    ],
)
def test_non_json_values_left_behind_are_named(code, culprit):
    with pytest.raises(SandboxError) as caught:
        run_script(code, {})
    assert f"'{culprit}'" in caught.value.message


def test_script_errors_carry_line_and_type():
    with pytest.raises(SandboxScriptError) as caught:
        run_script("a = 1\nb = missing + 1", {})
    assert caught.value.line == 2
    assert caught.value.error_type == "NameError"


def test_evaluate_conditions():
    variables = {"amount": 1500, "grade": "A", "tags": ["vip"]}
    assert evaluate("amount > 1000 and grade == 'A'", variables) is True
    assert evaluate("'vip' in tags and len(tags) == 1", variables) is True
    assert evaluate("  amount < 10\n", variables) is False
    assert evaluate("max(x * 2 for x in [1, 5, 3])", {}) == 10


def test_evaluate_missing_variable_is_a_script_error():
    with pytest.raises(SandboxScriptError) as caught:
        evaluate("amount > 1", {})
    assert caught.value.error_type == "NameError"


def test_compile_checks_for_deploy_time():
    check_script("x = 1\nif x:\n    y = 2")
    check_expression("a > 1")
    with pytest.raises(SandboxSyntaxError) as caught:
        check_script("x = 1\nif x\n    y = 2")
    assert caught.value.line == 2
    with pytest.raises(SandboxViolation) as caught:
        check_script("x = 1\nimport os")
    assert (caught.value.line, caught.value.message) == (2, "import is not allowed")
    with pytest.raises(SandboxViolation, match="'__class__'"):
        check_expression("x.__class__")
    with pytest.raises(SandboxSyntaxError):
        check_expression("x = 1")


def test_compiled_code_is_cached_per_source():
    sandbox._compile.cache_clear()
    for _ in range(3):
        evaluate("amount > 1000", {"amount": 1})
    info = sandbox._compile.cache_info()
    assert (info.misses, info.hits) == (1, 2)


def test_timeout_is_enforced_and_a_previous_tracer_restored():
    def outer_tracer(frame, event, arg):
        return None

    sys.settrace(outer_tracer)
    try:
        with pytest.raises(SandboxTimeout):
            run_script("while True:\n    pass", {}, timeout=0.1)
        assert sys.gettrace() is outer_tracer
    finally:
        sys.settrace(None)


def test_threads_keep_their_own_limits():
    results, errors = [], []

    def busy():
        try:
            run_script("while True:\n    pass", {}, timeout=0.5)
        except SandboxTimeout as exc:
            errors.append(exc)

    def quick():
        results.extend(evaluate("a + 1", {"a": i}) for i in range(200))

    threads = [threading.Thread(target=busy), *[threading.Thread(target=quick) for _ in range(3)]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(errors) == 1
    assert len(results) == 600


def test_a_helper_may_evaluate_in_a_nested_sandbox():
    def nested(v):
        return evaluate("v * 2", {"v": v})

    assert run_script("y = nested(x) + 1", {"x": 3}, helpers={"nested": nested})["y"] == 7


def test_template_renders_plain_text_and_missing_as_empty():
    text = render_template(
        "Task {{ task_name }} for {{requester_name}}{{ nope }}",
        {"task_name": "Approve <b>", "requester_name": "Ada"},
    )
    assert text == "Task Approve <b> for Ada"


def test_template_html_escapes():
    assert render_template("<p>{{ x }}</p>", {"x": "<script>"}, html=True) == "<p>&lt;script&gt;</p>"


def test_template_attacks_raise_or_render_nothing():
    with pytest.raises(SandboxViolation):
        render_template("{{ ''.__class__.__mro__ }}", {})
    assert render_template("{{ ''.__class__ }}", {}) == ""
    with pytest.raises(SandboxSyntaxError):
        render_template("{{ x ", {})
