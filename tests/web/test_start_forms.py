"""Start forms: the start page shows the start event's form, checks it, starts with its values."""

from __future__ import annotations

import json
import re

import pytest
from lxml import etree

from app.engine.extensions import read_process
from tests.conftest import DATA, SHARED
from tests.web.test_pages import csrf_of, sign_in

FORMS = DATA / "start_forms"


def start_form_page(client, key: str) -> str:
    page = client.get("/start").get_data(as_text=True)
    assert f'<a class="button primary" href="/start/{key}">' in page  # a link: no bare "?" on the address
    response = client.get(f"/start/{key}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def started_variables(admin, location: str) -> dict:
    instance_id = re.fullmatch(r"/instances/([0-9a-f-]+)", location).group(1)
    return admin.get(f"/instances/{instance_id}").json["variables"]


def test_generated_start_form_is_shown_checked_and_becomes_the_start_variables(client, admin, make_user):
    admin.deploy(FORMS / "order.bpmn")
    make_user("clerk")
    sign_in(client, "clerk", "pw-clerk")
    assert "opens its start form" in client.get("/start").get_data(as_text=True)
    page = start_form_page(client, "order")
    assert 'id="field-quantity"' in page and 'value="1"' in page  # the field's default
    assert re.search(r'Start a process</a> ›\s*<span aria-current="page">', page)  # not a dangling ›
    assert '<option value="rush"' in page
    token = csrf_of(page)
    bad = client.post("/start/order", data={"csrf_token": token, "quantity": "12", "business_key": "PO-7"})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert re.search(r'data-field="quantity">.*?Must be at most 10\.', html, re.S)
    assert re.search(r'data-field="urgency">.*?This field is required\.', html, re.S)
    assert 'value="PO-7"' in html and 'value="12"' in html  # what was typed stays
    assert admin.get("/instances?key=order").json["total"] == 0
    good = {"csrf_token": token, "quantity": "3", "urgency": "rush", "business_key": "PO-7"}
    done = client.post("/start/order", data=good)
    assert done.status_code == 302
    assert started_variables(admin, done.headers["Location"]) == {"quantity": 3, "urgency": "rush"}


def test_camunda_start_form_renders_with_form_js_and_is_validated_again_on_the_server(
    client, admin, make_user
):
    admin.deploy(FORMS / "request.bpmn", FORMS / "tool-request.form")
    make_user("fitter")
    sign_in(client, "fitter", "pw-fitter")
    page = start_form_page(client, "tool_request")
    assert 'id="form-js"' in page and "form-viewer.umd.js" in page
    assert json.loads(re.search(r'id="form-schema">(.*?)</script>', page, re.S).group(1))["id"] == (
        "tool-request-form"
    )
    token = csrf_of(page)
    sent = {"tool": "x", "cost": 900}
    bad = client.post("/start/tool_request", data={"csrf_token": token, "form_data": json.dumps(sent)})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert 'data-field="tool">Tool: Must be at least 3 characters.' in html  # the label, not the key
    assert 'data-field="cost">Cost: Must be at most 500.' in html
    sent = {"tool": "torque wrench", "cost": 120, "smuggled": True}
    done = client.post("/start/tool_request", data={"csrf_token": token, "form_data": json.dumps(sent)})
    assert done.status_code == 302
    assert started_variables(admin, done.headers["Location"]) == {"tool": "torque wrench", "cost": 120}


def test_a_process_without_a_start_form_still_starts_from_the_list(client, admin, make_user):
    admin.deploy(DATA / "simple" / "two_steps.bpmn")
    make_user("rita")
    sign_in(client, "rita", "pw-rita")
    page = client.get("/start").get_data(as_text=True)
    assert "opens its start form" not in page
    done = client.post("/start/two_steps", data={"csrf_token": csrf_of(page), "business_key": "REQ-1"})
    assert done.status_code == 302 and started_variables(admin, done.headers["Location"]) == {}


START = '<bpmn:startEvent id="s" {attrs}>{body}</bpmn:startEvent>'
CASES = {
    "formRef": ('camunda:formRef="f1" camunda:formRefBinding="deployment"', "",
                {"type": "camunda-form", "ref": "f1", "binding": "deployment"}),
    "formKey": ('camunda:formKey="camunda-forms:deployment:forms/f2.form"', "",
                {"type": "camunda-form", "ref": "f2.form", "binding": "deployment"}),
    "zeebe": ("", '<bpmn:extensionElements><zeebe:formDefinition formId="f3"/></bpmn:extensionElements>',
              {"type": "camunda-form", "ref": "f3", "binding": "latest"}),
    "none": ("", "", None),
}  # fmt: skip


@pytest.mark.parametrize("case", CASES)
def test_the_start_events_form_is_read_into_the_process_meta(case):
    attrs, body, expected = CASES[case]
    timer_start = (
        '<bpmn:startEvent id="t" camunda:formKey="ignored"><bpmn:timerEventDefinition>'
        "<bpmn:timeCycle>R/PT1H</bpmn:timeCycle></bpmn:timerEventDefinition></bpmn:startEvent>"
    )
    xml = (
        '<bpmn:process xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" '
        'xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="p">'
        + timer_start
        + START.format(attrs=attrs, body=body)
        + "</bpmn:process>"
    )
    meta = read_process(etree.fromstring(xml))
    assert meta["start_form"] == expected
    assert meta["manual_start"] is True and meta["startable_in_tasklist"] is True


def _process(key: str, start: str, attrs: str = "") -> bytes:
    return (
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="t">'
        f'<bpmn:process id="{key}" name="{key.title()}" isExecutable="true" {attrs}>{start}'
        '<bpmn:userTask id="work" name="Work"/><bpmn:endEvent id="end"/>'
        '<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="work"/>'
        '<bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="end"/></bpmn:process></bpmn:definitions>'
    ).encode()


WEEKLY = (
    '<bpmn:startEvent id="s"><bpmn:timerEventDefinition><bpmn:timeCycle>R/PT168H</bpmn:timeCycle>'
    "</bpmn:timerEventDefinition></bpmn:startEvent>"
)
NONE_START = '<bpmn:startEvent id="s"/>'


def test_the_start_page_offers_only_what_a_person_starts_by_hand(client, admin, make_user):
    files = {
        "weekly.bpmn": _process("weekly", WEEKLY),
        "hidden.bpmn": _process("hidden", NONE_START, 'camunda:isStartableInTasklist="false"'),
        "manual.bpmn": _process("manual", NONE_START),
    }
    assert admin.deploy_bytes(files).status_code == 201
    make_user("rita")
    sign_in(client, "rita", "pw-rita")
    page = client.get("/start").get_data(as_text=True)
    assert "Start Manual" in page and "Start Weekly" not in page and "Start Hidden" not in page
    refused = client.get("/start/weekly")
    assert refused.status_code == 403 and "starts on its own (a timer" in refused.get_data(as_text=True)
    assert client.post("/start/hidden", data={"csrf_token": csrf_of(page)}).status_code == 403
    assert admin.get("/instances?key=hidden").json["total"] == 0
    started = client.post("/start/manual", data={"csrf_token": csrf_of(page)}, follow_redirects=True)
    assert "Started Manual." in started.get_data(as_text=True)  # the process's name, not its key


def test_camundas_review_invoice_is_not_offered_in_the_inbox(client, admin, make_user):
    invoice = SHARED / "conformance" / "camunda-examples" / "invoice"
    files = ("invoice.v2.bpmn", "reviewInvoice.bpmn", "invoiceBusinessDecisions.dmn")
    assert admin.deploy(*(invoice / name for name in files)).status_code == 201
    make_user("rita")
    sign_in(client, "rita", "pw-rita")
    page = client.get("/start").get_data(as_text=True)
    assert "Start Invoice Receipt" in page and "Review Invoice" not in page
