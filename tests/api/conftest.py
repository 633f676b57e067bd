"""Every answer the API tests get is checked against the OpenAPI document: its status must be one the
operation documents, and its JSON body must match the documented schema. So the document stays true
to what the routes answer, in every flow these tests drive."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from openapi_schema_validator import OAS30Validator, oas30_format_checker
from werkzeug.exceptions import HTTPException

from app.api.openapi import openapi_document, path_of


@pytest.fixture
def client(app, db_session):
    with app.app_context():
        document = openapi_document()
    return ConformingClient(app, app.response_class, use_cookies=True, document=document)


class ConformingClient(FlaskClient):
    def __init__(self, *args, document: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.document = document

    def open(self, *args, **kwargs):
        response = super().open(*args, **kwargs)
        request = response.request
        if request.path.startswith("/api/v1/") and request.method != "OPTIONS":  # (no operation's answer)
            assert_conforms(self.document, self.application, request.method, request.path, response)
        return response


def assert_conforms(document: dict, app, method: str, path: str, response) -> None:
    """The answer is one the document promises for this operation."""
    try:
        rule, _ = app.url_map.bind("localhost").match(path, method, return_rule=True)
    except HTTPException:
        return  # no route: the 404 or 405 of no operation
    where = f"{method} {rule.rule} -> {response.status_code}"
    answers = document["paths"][path_of(rule.rule)][method.lower()]["responses"]
    assert str(response.status_code) in answers, f"{where} is not documented: {response.get_data(True)[:300]}"
    answer = answers[str(response.status_code)]
    if "$ref" in answer:
        answer = document["components"]["responses"][answer["$ref"].rsplit("/", 1)[1]]
    content = answer.get("content")
    if content is None:
        assert not response.get_data(), f"{where} documents no content"
        return
    assert response.mimetype in content, f"{where} answers {response.mimetype}, documented {list(content)}"
    if response.mimetype == "application/json":
        validator = _validator(document, where, content["application/json"]["schema"])
        problems = [
            f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in validator.iter_errors(response.json)
        ]
        assert not problems, f"{where} does not match its documented schema: {problems[:5]}"


_VALIDATORS: dict[tuple[int, str], OAS30Validator] = {}


def _validator(document: dict, where: str, schema: dict) -> OAS30Validator:
    key = (id(document), where)
    if key not in _VALIDATORS:
        # The components go along so that the schema's $refs resolve.
        rooted = {**schema, "components": document["components"]}
        _VALIDATORS[key] = OAS30Validator(rooted, format_checker=oas30_format_checker)
    return _VALIDATORS[key]
