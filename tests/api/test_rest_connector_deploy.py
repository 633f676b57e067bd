"""What a deployment says about Camunda 8's REST connector (`io.camunda:http-json:1`) as the
Modeler's template writes it: what Baton cannot do is refused naming the element and the field,
what it does not read is a warning naming them (over HTTP, no worker needed)."""

import pytest

from tests.conftest import DATA

RATE = (DATA / "zeebe" / "rest_rate.bpmn").read_text()
INPUT = '<zeebe:input source="GET" target="method" />'


def _deploy(admin, xml: str):
    return admin.deploy_bytes({"rest.bpmn": xml.encode()})


def test_the_templates_models_deploy_without_warnings(admin):
    for name in ("rest_rate.bpmn", "rest_order.bpmn", "rest_basic.bpmn"):
        deployed = admin.deploy(DATA / "zeebe" / name)
        assert deployed.status_code == 201 and deployed.json["warnings"] == [], deployed.json


@pytest.mark.parametrize(
    ("source", "target", "problem"),
    [
        (
            "oauth-client-credentials-flow",
            "authentication.type",
            "'oauth-client-credentials-flow', which Baton",
        ),
        ("true", "storeResponse", "Baton has no document store"),
        ("true", "followRedirects", "never follows redirects"),
        ("DOCUMENT", "documentReturnFormat.choice", "Baton has no document store"),
        ("-----BEGIN CERTIFICATE-----", "clientTls.clientCertificate", "no client certificate"),
    ],
)
def test_what_baton_cannot_do_is_refused_naming_the_element_and_the_field(admin, source, target, problem):
    xml = RATE.replace('<zeebe:input source="noAuth" target="authentication.type" />', "")
    xml = xml.replace('<zeebe:input source="false" target="storeResponse" />', "")
    refused = _deploy(
        admin, xml.replace(INPUT, f'{INPUT}<zeebe:input source="{source}" target="{target}" />')
    )
    assert refused.status_code == 400, refused.json
    message = refused.json["message"]
    assert (
        "element 'call'" in message and f"io.camunda:http-json:1 '{target}'" in message and problem in message
    )


@pytest.mark.parametrize(
    ("key", "value", "problem"),
    [
        ("resultExpression", "={rate: response.body.rate", "'resultExpression' does not parse as FEEL"),
        ("resultExpression", "={rate: rateOf(body)}", "'resultExpression' calls rateOf()"),
        ("errorExpression", "=bpmnErr(&#34;X&#34;, &#34;y&#34;)", "'errorExpression' calls bpmnErr()"),
        ("retryBackoff", "5 seconds", "'retryBackoff' is '5 seconds', not an ISO 8601 duration"),
    ],
)
def test_a_task_header_baton_cannot_use_is_refused_naming_it(admin, key, value, problem):
    start = RATE.index(f'<zeebe:header key="{key}"')
    end = RATE.index("/>", start) + 2
    refused = _deploy(admin, RATE[:start] + f'<zeebe:header key="{key}" value="{value}" />' + RATE[end:])
    assert refused.status_code == 400, refused.json
    assert "element 'call'" in refused.json["message"] and problem in refused.json["message"]


def test_an_input_or_header_baton_does_not_read_is_a_warning_naming_it(admin):
    xml = RATE.replace(INPUT, f'{INPUT}<zeebe:input source="proxy.local" target="proxy.host" />')
    xml = xml.replace(
        '<zeebe:header key="retryBackoff"',
        '<zeebe:header key="batchSize" value="5" /><zeebe:header key="retryBackoff"',
    )
    deployed = _deploy(admin, xml)
    assert deployed.status_code == 201, deployed.json
    messages = {(w["element_id"], w["message"]) for w in deployed.json["warnings"]}
    assert messages == {
        ("call", "io.camunda:http-json:1 input 'proxy.host' is not read by Baton's REST connector"),
        ("call", "io.camunda:http-json:1 task header 'batchSize' is not read by Baton's REST connector"),
    }
