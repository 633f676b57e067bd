"""What a deployment says about camunda:connector elements (over HTTP, no worker needed)."""

from tests.conftest import DATA


def test_an_unknown_connector_deploys_with_a_warning_naming_it(admin):
    deployed = admin.deploy(DATA / "connector" / "unknown_connector.bpmn")
    assert deployed.status_code == 201, deployed.json
    (warning,) = deployed.json["warnings"]
    assert warning["file"] == "unknown_connector.bpmn" and warning["element_id"] == "call"
    assert "camunda:connector 'mail-send' is not one Baton runs" in warning["message"]


def test_the_http_connector_deploys_without_warnings(admin):
    for name in ("get_rate.bpmn", "post_order.bpmn", "no_outputs.bpmn", "message_end.bpmn"):
        deployed = admin.deploy(DATA / "connector" / name)
        assert deployed.status_code == 201 and deployed.json["warnings"] == [], deployed.json


def test_a_script_connector_output_is_refused_naming_file_element_and_parameter(admin):
    refused = admin.deploy(DATA / "connector" / "script_output.bpmn")
    assert refused.status_code == 400, refused.json
    message = refused.json["message"]
    assert "script_output.bpmn" in message and "call" in message
    assert "output parameter 'rate' is a camunda:script" in message


def test_a_connector_expression_calling_an_unknown_function_is_refused(admin):
    text = (DATA / "connector" / "get_rate.bpmn").read_text().replace("S(response)", "XML(response)", 1)
    refused = admin.deploy_bytes({"xml.bpmn": text.encode()})
    assert refused.status_code == 400, refused.json
    assert "output parameter 'rate' calls XML()" in refused.json["message"]


def test_a_connector_expression_that_does_not_parse_is_refused(admin):
    text = (DATA / "connector" / "get_rate.bpmn").read_text().replace("${base}/rates", "${base +}/rates")
    refused = admin.deploy_bytes({"bad.bpmn": text.encode()})
    assert refused.status_code == 400, refused.json
    assert "does not parse" in refused.json["message"]
