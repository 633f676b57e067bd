"""Hostile uploads through POST /api/v1/deployments: each is a 4xx naming the problem; nothing is stored."""

from __future__ import annotations

import http.server
import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from sqlalchemy import func, select

from app.config import Config
from app.models import Deployment
from tests.conftest import DATA

VALID = (DATA / "simple" / "two_steps.bpmn").read_bytes()
BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"


def _deployments(db_session) -> int:
    return db_session.execute(select(func.count()).select_from(Deployment)).scalar_one()


def assert_refused(admin, db_session, files: dict[str, bytes], phrase: str):
    before = _deployments(db_session)
    response = admin.deploy_bytes(files)
    assert 400 <= response.status_code < 500, response.json
    assert phrase in response.json["message"], response.json
    assert _deployments(db_session) == before
    return response


def with_extension(fragment: str, attrs: str = "") -> bytes:
    """The valid model with `fragment` inside the review task's extensionElements."""
    text = VALID.decode().replace(
        "<bpmn:documentation>Check the request.</bpmn:documentation>",
        f"<bpmn:extensionElements>{fragment}</bpmn:extensionElements>",
    )
    return text.replace('id="Definitions_two"', f'id="Definitions_two" {attrs}').encode()


@pytest.fixture
def listener():
    """A local HTTP server that records every request: an external reference must never reach it."""
    hits: list[str] = []

    class Recorder(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802  (http.server's naming)
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"<xs:schema xmlns:xs='http://www.w3.org/2001/XMLSchema'/>")

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()


def test_xxe_reading_a_local_file_is_refused(admin, db_session):
    xxe = VALID.replace(
        b"<bpmn:definitions",
        b'<!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n<bpmn:definitions',
        1,
    ).replace(b"Check the request.", b"&xxe;")
    response = assert_refused(admin, db_session, {"xxe.bpmn": xxe}, "DOCTYPE and ENTITY declarations")
    assert "root:" not in response.get_data(as_text=True)


def test_billion_laughs_is_refused(admin, db_session):
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{"&lol%s;" % ("" if i == 1 else i - 1) * 10}">' for i in range(1, 10)
    )
    bomb = f'<?xml version="1.0"?><!DOCTYPE lolz [{entities}]><lolz>&lol9;</lolz>'.encode()
    assert_refused(admin, db_session, {"bomb.bpmn": bomb}, "DOCTYPE and ENTITY declarations")


def test_an_external_schema_location_is_refused_and_never_fetched(admin, db_session, listener):
    base, hits = listener
    attrs = (
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        f'xsi:schemaLocation="{BPMN_NS} {base}/BPMN20.xsd"'
    )
    assert_refused(admin, db_session, {"schema.bpmn": with_extension("", attrs)}, "external schema reference")
    assert hits == []


def test_an_xs_include_is_refused_and_never_fetched(admin, db_session, listener):
    base, hits = listener
    fragment = f'<xs:include xmlns:xs="http://www.w3.org/2001/XMLSchema" schemaLocation="{base}/x.xsd"/>'
    response = assert_refused(
        admin, db_session, {"include.bpmn": with_extension(fragment)}, "external schema reference"
    )
    assert "<include>" in response.json["message"] and hits == []


def test_a_relative_schema_location_is_accepted(admin):
    attrs = f'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="{BPMN_NS} BPMN20.xsd"'
    assert admin.deploy_bytes({"relative.bpmn": with_extension("", attrs)}).status_code == 201


def test_a_file_over_the_configured_limit_is_refused(app, admin, db_session, monkeypatch):
    monkeypatch.setattr(app.config["BATON"], "MAX_UPLOAD_BYTES", 4000)
    padded = VALID + b"<!--" + b"x" * 4000 + b"-->"
    assert_refused(admin, db_session, {"big.bpmn": padded}, "over the limit of 4000 bytes")


def test_the_upload_limit_comes_from_the_environment():
    assert Config.from_env({}).MAX_UPLOAD_BYTES == 5 * 1024 * 1024
    assert Config.from_env({"BATON_MAX_UPLOAD_BYTES": "123456"}).MAX_UPLOAD_BYTES == 123456


def test_too_deep_nesting_is_refused(admin, db_session):
    deep = "<x>" * 220 + "</x>" * 220
    assert_refused(admin, db_session, {"deep.bpmn": with_extension(deep)}, "nest deeper than 200 levels")


def test_nesting_past_the_parser_bound_is_refused_by_libxml2_itself(admin, db_session):
    deep = "<x>" * 5000 + "</x>" * 5000
    assert_refused(admin, db_session, {"deeper.bpmn": with_extension(deep)}, "Excessive depth")


def _form(components: bytes) -> bytes:
    return b'{"id": "hostile", "type": "default", "components": ' + components + b"}"


HOSTILE_FORMS = {
    "nested too deep": (_form(b"[" * 100_000 + b"]" * 100_000), "nested deeper than"),
    "NaN": (_form(b'[{"type": "number", "key": "a", "validate": {"min": NaN}}]'), "NaN"),
    "a number past float": (_form(b'[{"type": "number", "key": "a", "validate": {"max": 1e400}}]'), "1e400"),
    "NUL": (_form(b'[{"type": "textfield", "key": "a\\u0000"}]'), "NUL"),
    "a lone surrogate": (_form(b'[{"type": "textfield", "label": "a\\ud800"}]'), "surrogate"),
}


@pytest.mark.parametrize(("content", "phrase"), HOSTILE_FORMS.values(), ids=HOSTILE_FORMS.keys())
def test_a_form_file_no_json_column_can_hold_is_a_400_naming_it(admin, db_session, content, phrase):
    """A .form is JSON stored as JSON: what PostgreSQL's json refuses (NaN, Infinity, NUL) or Python's
    parser cannot nest is refused at the door, not a 500 at the insert."""
    response = assert_refused(admin, db_session, {"hostile.form": content}, phrase)
    assert response.json["details"]["file"] == "hostile.form"


def test_a_deep_dmn_is_refused_too(admin, db_session):
    deep = b'<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/">' + b"<a>" * 220
    deep += b"</a>" * 220 + b"</definitions>"
    assert_refused(admin, db_session, {"deep.dmn": deep}, "nest deeper than 200 levels")


# Property-based fuzzing: whatever arrives, the answer is a 2xx or a 4xx, never a 500.
FUZZ = settings(
    max_examples=75,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
filenames = st.sampled_from(["fuzz.bpmn", "fuzz.dmn", "fuzz.form"])


@FUZZ
@given(data=st.binary(max_size=3000), name=filenames)
def test_random_bytes_never_cause_a_500(admin, data, name):
    assert admin.deploy_bytes({name: data}).status_code < 500


@st.composite
def mutated_bpmn(draw) -> bytes:
    data = bytearray(VALID)
    for _ in range(draw(st.integers(1, 8))):
        at = draw(st.integers(0, len(data) - 1))
        op = draw(st.sampled_from(["flip", "delete", "insert", "duplicate"]))
        if op == "flip":
            data[at] = draw(st.integers(0, 255))
        elif op == "delete":
            del data[at : at + draw(st.integers(1, 40))]
        elif op == "insert":
            data[at:at] = draw(st.sampled_from([b"<", b">", b"&", b'"', b"</bpmn:process>", b"\x00", b"]]>"]))
        else:
            end = min(len(data), at + draw(st.integers(1, 200)))
            data[at:at] = data[at:end]
    return bytes(data)


@FUZZ
@given(data=mutated_bpmn())
def test_mutated_valid_bpmn_never_causes_a_500(admin, data):
    assert admin.deploy_bytes({"mutated.bpmn": data}).status_code < 500


TAGS = ["process", "startEvent", "userTask", "endEvent", "sequenceFlow", "exclusiveGateway", "x"]
ATTRS = ["id", "sourceRef", "targetRef", "name", "isExecutable"]


@st.composite
def xml_tree(draw, depth=0) -> etree._Element:
    element = etree.Element(f"{{{BPMN_NS}}}{draw(st.sampled_from(TAGS))}")
    for attr in draw(st.lists(st.sampled_from(ATTRS), max_size=3, unique=True)):
        element.set(attr, draw(st.text(alphabet="abc12 _-", min_size=0, max_size=6)))
    if depth < 4:
        for child in draw(st.lists(xml_tree(depth + 1), max_size=3)):
            element.append(child)
    return element


@FUZZ
@given(children=st.lists(xml_tree(), max_size=4))
def test_random_xml_trees_never_cause_a_500(admin, children):
    root = etree.Element(f"{{{BPMN_NS}}}definitions", nsmap={"bpmn": BPMN_NS})
    root.set("id", "d")
    for child in children:
        root.append(child)
    assert admin.deploy_bytes({"tree.bpmn": etree.tostring(root)}).status_code < 500
