"""What a form accepts for each field type and rule, whichever door the values came through."""

from __future__ import annotations

import pytest

from app.services.form_values import validate

FIELDS = [
    {"id": "n", "type": "long", "validation": {"required": True, "min": "0", "max": "10"}},
    {"id": "x", "type": "double", "validation": {"min": "0"}},
    {"id": "ok", "type": "boolean"},
    {"id": "when", "type": "date"},
    {"id": "code", "type": "string", "validation": {"maxlength": "3", "pattern": "[A-Z]+"}},
    {"id": "grade", "type": "enum", "values": [{"id": "A", "name": "A"}, {"id": "B", "name": "B"}]},
    {"id": "fixed", "type": "string", "default": "F-1", "validation": {"readonly": True}},
    {"id": "crack", "type": "boolean", "default": "false"},
]
GENERATED = {"type": "generated", "fields": FIELDS}


def test_text_as_the_inbox_posts_it_is_converted_to_each_fields_type():
    sent = {
        "n": "4",
        "x": "0.7",
        "ok": "true",
        "when": "2026-01-31",
        "code": "AB",
        "grade": "A",
        "crack": "false",
    }
    clean, errors = validate(GENERATED, sent)
    assert errors == {}
    assert clean == {
        "n": 4,
        "x": 0.7,
        "ok": True,
        "when": "2026-01-31",
        "code": "AB",
        "grade": "A",
        "crack": False,
    }


def test_json_values_as_a_rest_client_sends_them_are_taken_as_they_are():
    sent = {"n": 4, "x": 1, "ok": False, "when": "2026-01-31", "code": "AB", "grade": "B", "fixed": "F-1"}
    clean, errors = validate(GENERATED, sent)
    assert errors == {} and clean["x"] == 1.0 and clean["ok"] is False
    assert "fixed" not in clean  # read-only: its shown value may come back, and changes nothing


@pytest.mark.parametrize(
    ("sent", "field", "message"),
    [
        ({"n": 0.5}, "n", "Enter a whole number."),
        ({"n": True}, "n", "Enter a whole number."),
        ({"n": "11"}, "n", "Must be at most 10."),
        ({"x": "abc"}, "x", "Enter a number, such as 0.7."),
        ({"x": "0,7"}, "x", "Enter a number, such as 0.7."),
        ({"x": -1}, "x", "Must be at least 0."),
        ({"ok": "yes"}, "ok", "Choose true or false."),
        ({"ok": 1}, "ok", "Choose true or false."),
        ({"when": "31/01/2026"}, "when", "Enter a date as YYYY-MM-DD."),
        ({"code": "ABCD"}, "code", "Must be at most 3 characters."),
        ({"code": "ab"}, "code", "Must match the pattern [A-Z]+."),
        ({"code": 12}, "code", "Enter text."),
        ({"grade": "Z"}, "grade", "Choose one of: A, B."),
        ({"fixed": "hacked"}, "fixed", "This field is read-only."),
    ],
)
def test_a_value_of_the_wrong_type_or_out_of_bounds_is_refused_naming_the_field(sent, field, message):
    _, errors = validate(GENERATED, {"n": 1, **sent})
    assert errors == {field: message}


def test_a_required_field_must_be_sent_and_a_missing_field_takes_its_default():
    clean, errors = validate(GENERATED, {})
    assert errors == {"n": "This field is required."}
    clean, errors = validate(GENERATED, {"n": 2})
    assert clean == {"n": 2, "crack": False}  # defaultValue="false", as Camunda sets it
    _, errors = validate(GENERATED, {"n": ""})
    assert errors == {"n": "This field is required."}


def test_a_legacy_required_constraint_stored_as_null_still_requires():
    form = {"type": "generated", "fields": [{"id": "s", "type": "string", "validation": {"required": None}}]}
    assert validate(form, {})[1] == {"s": "This field is required."}


SCHEMA = {
    "components": [
        {"key": "amount", "type": "number", "validate": {"required": True, "max": 5}, "decimalDigits": 1},
        {"type": "group", "components": [{"key": "why", "type": "textfield", "validate": {"minLength": 2}}]},
        {"key": "invoice", "type": "textfield", "validate": {"pattern": "^C-[0-9]+$"}},
        {"key": "mail", "type": "textfield", "validate": {"validationType": "email"}},
        {"key": "agree", "type": "checkbox", "validate": {"required": True}},
        {
            "key": "size",
            "type": "select",
            "values": [{"label": "S", "value": "s"}, {"label": "M", "value": "m"}],
        },
        {"key": "tags", "type": "checklist", "values": [{"label": "A", "value": "a"}]},
        {"key": "due", "type": "datetime", "subtype": "date"},
        {"key": "secret", "type": "textfield", "conditional": {"hide": "=agree = false"}},
        {"key": "locked", "type": "textfield", "readonly": True},
        {"key": "address.city", "type": "textfield", "validate": {"required": True}},
        {"key": "submit", "type": "button", "action": "submit"},
    ]
}
CAMUNDA = {"type": "camunda-form", "ref": "f"}
GOOD = {"amount": 3, "agree": True, "address": {"city": "Kiel"}}


def test_a_camunda_form_takes_what_form_js_sends_and_a_number_sent_as_text():
    clean, errors = validate(CAMUNDA, {**GOOD, "amount": "2.5", "size": "m", "tags": ["a"]}, SCHEMA)
    assert errors == {}
    assert clean == {"amount": 2.5, "agree": True, "address": {"city": "Kiel"}, "size": "m", "tags": ["a"]}


@pytest.mark.parametrize(
    ("sent", "field", "message"),
    [
        ({"amount": 9}, "amount", "Must be at most 5."),
        ({"amount": "many"}, "amount", "Enter a number."),
        ({"amount": 1.25}, "amount", "Use at most 1 decimal digits."),
        ({"why": "x"}, "why", "Must be at least 2 characters."),
        ({"invoice": "abc"}, "invoice", "Must match the pattern ^C-[0-9]+$."),
        ({"mail": "not-mail"}, "mail", "Enter an e-mail address."),
        ({"agree": False}, "agree", "This field is required."),  # a required checkbox must be ticked
        ({"agree": "yes"}, "agree", "Choose true or false."),
        ({"size": "xl"}, "size", "Choose one of: s, m."),
        ({"tags": ["b"]}, "tags", "Choose one of: a."),
        ({"due": "tomorrow"}, "due", "Enter a date as YYYY-MM-DD."),
        ({"address": {}}, "address.city", "This field is required."),
    ],
)
def test_a_camunda_form_refuses_what_form_js_would(sent, field, message):
    _, errors = validate(CAMUNDA, {**GOOD, **sent}, SCHEMA)
    assert errors == {field: message}


def test_hidden_and_read_only_fields_of_a_camunda_form_take_no_value():
    clean, errors = validate(CAMUNDA, {**GOOD, "agree": True, "secret": "s", "locked": "x"}, SCHEMA)
    assert errors == {} and clean["secret"] == "s" and "locked" not in clean
    sent = {**GOOD, "agree": False, "secret": "s"}
    schema = {"components": [c for c in SCHEMA["components"] if c.get("key") != "agree"]}
    clean, errors = validate(CAMUNDA, sent, schema)
    assert errors == {} and "secret" not in clean  # hidden by its condition: dropped, as form-js does
