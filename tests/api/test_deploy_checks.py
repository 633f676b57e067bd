"""What a deployment refuses or warns about at once, instead of running into it later (over HTTP)."""

import pytest

from tests.conftest import DATA

HEAD = (
    '<?xml version="1.0" encoding="{encoding}"?>\n'
    '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"'
    ' xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="defs" targetNamespace="http://baton.test">\n'
)


def bpmn(body: str, key: str = "checked", executable: str = "true", encoding: str = "UTF-8") -> str:
    return (
        HEAD.format(encoding=encoding)
        + f'  <bpmn:process id="{key}" isExecutable="{executable}">\n{body}\n  </bpmn:process>\n'
        + "</bpmn:definitions>\n"
    )


def one_task(task: str = '<bpmn:userTask id="work" name="Work">', end_tag: str = "</bpmn:userTask>") -> str:
    return f"""    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    {task}<bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>{end_tag}
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="work" />
    <bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="end" />"""


def refused(api, files: dict) -> dict:
    response = api.deploy_bytes(
        {name: text.encode() if isinstance(text, str) else text for name, text in files.items()}
    )
    assert response.status_code == 400, response.json
    return response.json


def test_two_elements_with_one_id_are_refused_naming_the_id_and_both_lines(admin):
    body = one_task().replace('id="end"', 'id="start"').replace('targetRef="end"', 'targetRef="start"')
    problem = refused(admin, {"dup.bpmn": bpmn(body)})
    assert "two elements have the id 'start'" in problem["message"]
    assert "<bpmn:startEvent> on line 4 and <bpmn:endEvent> on line 6" in problem["message"]
    assert problem["details"] == {"file": "dup.bpmn", "line": 6, "element_id": "start"}


def test_a_sequence_flow_to_a_missing_element_names_the_flow_attribute_ref_and_line(admin):
    body = one_task().replace('sourceRef="work" targetRef="end"', 'sourceRef="work" targetRef="nope"')
    problem = refused(admin, {"flow.bpmn": bpmn(body)})
    assert (
        "sequence flow 'f2': targetRef 'nope' names no element of its bpmn:process 'checked'"
        in problem["message"]
    )
    assert problem["details"] == {"file": "flow.bpmn", "line": 8, "element_id": "f2"}


def test_an_unknown_element_names_its_tag_id_and_line(admin):
    body = one_task('<bpmn:fooTask id="work">', "</bpmn:fooTask>")
    problem = refused(admin, {"foo.bpmn": bpmn(body)})
    assert "<bpmn:fooTask> is not an element Baton can run" in problem["message"]
    assert problem["details"] == {"file": "foo.bpmn", "line": 5, "element_id": "work"}


def test_a_process_id_that_is_no_ncname_is_refused(admin):
    problem = refused(admin, {"key.bpmn": bpmn(one_task(), key="my process")})
    assert "the process id 'my process' is not a valid id" in problem["message"]


@pytest.mark.parametrize(
    ("task", "problem"),
    [
        ('<bpmn:userTask id="work" camunda:priority="high">', "priority 'high' is not a whole number"),
    ],
)
def test_what_would_fail_every_instance_is_refused_at_deploy(admin, task, problem):
    assert problem in refused(admin, {"task.bpmn": bpmn(one_task(task))})["message"]


def test_an_unquoted_timer_that_looks_iso_but_does_not_parse_is_refused(admin):
    timer = (
        '<bpmn:intermediateCatchEvent id="work"><bpmn:timerEventDefinition>'
        "<bpmn:timeDuration>PTXYZ</bpmn:timeDuration></bpmn:timerEventDefinition>"
    )
    problem = refused(admin, {"timer.bpmn": bpmn(one_task(timer, "</bpmn:intermediateCatchEvent>"))})
    assert "timer timeDuration: 'PTXYZ' is not a valid ISO 8601 duration" in problem["message"]
    assert problem["details"]["element_id"] == "work" and problem["details"]["line"] == 5
    named = one_task(timer.replace("PTXYZ", "wait_for"), "</bpmn:intermediateCatchEvent>")
    assert admin.deploy_bytes({"ok.bpmn": bpmn(named).encode()}).status_code == 201  # a variable's name


ROUTING = (DATA.parent.parent / "dmn" / "inspection_routing.dmn").read_text()


def test_an_unknown_dmn_type_ref_is_refused_and_a_table_without_rules_warned_about(admin):
    problem = refused(admin, {"typed.dmn": ROUTING.replace('typeRef="number"', 'typeRef="nonsense"', 1)})
    assert "unknown typeRef 'nonsense'" in problem["message"] and problem["details"]["line"]
    start, end = ROUTING.index("<rule "), ROUTING.rindex("</rule>") + len("</rule>")
    deployed = admin.deploy_bytes({"empty.dmn": (ROUTING[:start] + ROUTING[end:]).encode()})
    assert deployed.status_code == 201, deployed.json
    (warning,) = deployed.json["warnings"]
    assert warning["file"] == "empty.dmn" and "has no rules" in warning["message"]


def test_a_bpmn_file_with_nothing_executable_is_warned_about_or_refused_when_it_is_all(admin):
    drawn = bpmn(one_task(), executable="false")
    assert "holds nothing Baton can run" in refused(admin, {"drawn.bpmn": drawn})["message"]
    empty = HEAD.format(encoding="UTF-8") + "</bpmn:definitions>\n"
    deployed = admin.deploy_bytes(
        {"drawn.bpmn": drawn.encode(), "empty.bpmn": empty.encode(), "r.dmn": ROUTING.encode()}
    )
    assert deployed.status_code == 201, deployed.json
    assert [d["kind"] for d in deployed.json["definitions"]] == ["dmn"]
    warned = {w["file"]: w["message"] for w in deployed.json["warnings"]}
    assert set(warned) == {"drawn.bpmn", "empty.bpmn"} and "no executable process" in warned["empty.bpmn"]
    html = "<html><body><p>not a model</p></body></html>"
    assert "not a BPMN 2.0 file: its root element is <html>" in refused(admin, {"page.bpmn": html})["message"]


def test_a_javascript_script_task_warns_at_deploy_and_its_incident_names_the_language(admin):
    script = '<bpmn:scriptTask id="work" scriptFormat="javascript"><bpmn:script>var x = 1;</bpmn:script>'
    deployed = admin.deploy_bytes({"js.bpmn": bpmn(one_task(script, "</bpmn:scriptTask>")).encode()})
    assert deployed.status_code == 201 and deployed.json["warnings"][0]["element_id"] == "work"
    started = admin.post("/process-definitions/checked/instances", json={}).json
    assert started["status"] == "failed"
    incident = admin.get("/incidents", query_string={"instance_id": started["id"]}).json["items"][0]
    assert incident["element_id"] == "work"
    assert (
        "javascript scripts are not supported" in incident["message"] and "syntax" not in incident["message"]
    )


def test_camunda_file_names_and_any_declared_encoding_are_accepted(admin):
    latin = bpmn(one_task('<bpmn:userTask id="work" name="Größe prüfen">'), encoding="ISO-8859-1")
    deployed = admin.deploy_bytes({"latin.bpmn20.xml": latin.encode("latin-1")})
    assert deployed.status_code == 201, deployed.json
    started = admin.post("/process-definitions/checked/instances", json={}).json
    assert started["tasks"][0]["name"] == "Größe prüfen"
    assert 'encoding="UTF-8"' in admin.get("/process-definitions/checked/xml").text
    wide = bpmn(one_task(), key="wide", encoding="UTF-16")
    assert admin.deploy_bytes({"wide.bpmn": wide.encode("utf-16")}).status_code == 201
    hidden = wide.replace("<bpmn:definitions", '<!DOCTYPE x [<!ENTITY e "e">]>\n<bpmn:definitions', 1)
    assert "DOCTYPE" in refused(admin, {"hidden.bpmn": hidden.encode("utf-16")})["message"]


def test_an_uploaded_path_is_stored_as_its_base_name_and_control_characters_are_refused(admin):
    deployed = admin.deploy_bytes({"../../etc/evil.bpmn": bpmn(one_task()).encode()})
    assert deployed.status_code == 201, deployed.json
    entry = admin.get("/audit", query_string={"action": "deploy"}).json["items"][0]
    assert entry["after"]["files"] == ["evil.bpmn"]
    assert "control characters" in refused(admin, {"evil\x1b[31m.bpmn": bpmn(one_task())})["message"]


def test_an_unknown_element_on_no_flow_is_refused_too(admin):
    body = one_task() + '\n    <bpmn:fooTask id="stray" />'
    problem = refused(admin, {"stray.bpmn": bpmn(body)})
    assert "<bpmn:fooTask> is not an element Baton can run" in problem["message"]
    assert problem["details"] == {"file": "stray.bpmn", "line": 9, "element_id": "stray"}


def test_a_gateway_default_that_names_no_outgoing_flow_is_refused(admin):
    body = """    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:exclusiveGateway id="gw" default="nosuch"><bpmn:incoming>f1</bpmn:incoming>
      <bpmn:outgoing>f2</bpmn:outgoing></bpmn:exclusiveGateway>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="gw" />
    <bpmn:sequenceFlow id="f2" sourceRef="gw" targetRef="end" />"""
    problem = refused(admin, {"gw.bpmn": bpmn(body)})
    assert "'gw': default 'nosuch' names no sequence flow leaving it" in problem["message"]
    assert problem["details"] == {"file": "gw.bpmn", "line": 5, "element_id": "gw"}  # its line


def test_a_boundary_event_attached_to_nothing_is_refused(admin):
    body = one_task() + (
        '\n    <bpmn:boundaryEvent id="late" attachedToRef="nosuch">'
        "<bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition>"
        "</bpmn:boundaryEvent>"
    )
    problem = refused(admin, {"late.bpmn": bpmn(body)})
    assert "<bpmn:boundaryEvent> 'late': attachedToRef 'nosuch' names no activity" in problem["message"]
    assert problem["details"] == {"file": "late.bpmn", "line": 9, "element_id": "late"}


def test_an_unknown_message_ref_is_refused_naming_it(admin):
    body = one_task('<bpmn:receiveTask id="work" messageRef="nosuch">', "</bpmn:receiveTask>")
    problem = refused(admin, {"msg.bpmn": bpmn(body)})
    assert "messageRef 'nosuch' names no <bpmn:message> of the file" in problem["message"]
    assert problem["details"] == {"file": "msg.bpmn", "line": 5, "element_id": "work"}
    catch = """    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing>
      <bpmn:messageEventDefinition messageRef="gone" /></bpmn:startEvent>
    <bpmn:endEvent id="end"><bpmn:incoming>f1</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="end" />"""
    problem = refused(admin, {"start.bpmn": bpmn(catch)})
    assert "<bpmn:startEvent> 'start': messageRef 'gone'" in problem["message"]
    assert problem["details"]["element_id"] == "start"


def _throw(definition: str) -> str:
    return f"""    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:intermediateThrowEvent id="shout"><bpmn:incoming>f1</bpmn:incoming>
      <bpmn:outgoing>f2</bpmn:outgoing>{definition}</bpmn:intermediateThrowEvent>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="shout" />
    <bpmn:sequenceFlow id="f2" sourceRef="shout" targetRef="end" />"""


@pytest.mark.parametrize(
    ("definition", "attribute", "element"),
    [
        ('<bpmn:signalEventDefinition signalRef="nosuch" />', "signalRef", "<bpmn:signal>"),
        ('<bpmn:escalationEventDefinition escalationRef="nosuch" />', "escalationRef", "<bpmn:escalation>"),
        ('<bpmn:errorEventDefinition errorRef="nosuch" />', "errorRef", "<bpmn:error>"),
    ],
)
def test_an_unknown_signal_escalation_or_error_ref_is_refused_naming_it(
    admin, definition, attribute, element
):
    problem = refused(admin, {"ref.bpmn": bpmn(_throw(definition))})
    assert (
        f"<bpmn:intermediateThrowEvent> 'shout': {attribute} 'nosuch' names no {element} of the file"
        in (problem["message"])
    )
    assert problem["details"] == {"file": "ref.bpmn", "line": 5, "element_id": "shout"}


def test_a_retry_cycle_that_does_not_parse_is_refused_naming_the_element(admin):
    def service(cycle: str) -> str:
        task = (
            '<bpmn:serviceTask id="work" camunda:class="echo"><bpmn:extensionElements>'
            f"<camunda:failedJobRetryTimeCycle>{cycle}</camunda:failedJobRetryTimeCycle></bpmn:extensionElements>"
        )
        return bpmn(one_task(task, "</bpmn:serviceTask>"), key="retried")

    problem = refused(admin, {"retry.bpmn": service("R3/PT1X")})
    assert "camunda:failedJobRetryTimeCycle: 'R3/PT1X' is neither Rn/<duration>" in problem["message"]
    assert problem["details"]["element_id"] == "work"
    for cycle in ("R5/PT10M", "PT1M,PT5M,PT10M", "${retryCycle}"):  # Camunda 7's forms all deploy
        assert admin.deploy_bytes({"ok.bpmn": service(cycle).encode()}).status_code in (200, 201), cycle


def _with_properties(properties: dict, on_task: bool = True) -> str:
    rows = "".join(f'<camunda:property name="{k}" value="{v}"/>' for k, v in properties.items())
    properties_xml = f"<camunda:properties>{rows}</camunda:properties>"
    extension = f"<bpmn:extensionElements>{properties_xml}</bpmn:extensionElements>"
    if on_task:
        return bpmn(one_task(f'<bpmn:userTask id="work" name="Work">{extension}'), key="propertied")
    return bpmn(f"    {extension}\n" + one_task(), key="propertied")


@pytest.mark.parametrize(
    "properties, problem",
    [
        ({"escalation.levels": "mgr", "escalation.after": "24h"}, "escalation.after='24h': '24h' is not"),
        ({"escalation.levels": "mgr", "escalation.maxLevels": "three"}, "a whole number of at least 1"),
        ({"escalation.onTimeout": "autoapprove"}, "must be autoApprove or reassign:<group>"),
        ({"escalation.onTimeout": "reassign:"}, "must be autoApprove or reassign:<group>"),
        ({"businessCalendar": "XX-9to17"}, "businessCalendar='XX-9to17': business calendar 'XX-9to17'"),
        ({"businessCalendar": "DE-17to9"}, "working hours must end after they start"),
        ({"businessCalendar": "DE-9to17", "escalation.after": "P1M"}, "escalation.after='P1M'"),
        ({"slaHours": "8", "slaPauseElements": "work, Task_verify"}, "'Task_verify' names no element"),
    ],
)
def test_a_property_that_would_fail_every_instance_is_refused_naming_it(admin, properties, problem):
    refusal = refused(admin, {"props.bpmn": _with_properties(properties)})
    assert problem in refusal["message"], refusal["message"]
    assert refusal["details"]["element_id"] == "work" and refusal["details"]["file"] == "props.bpmn"


def test_an_escalation_that_would_approve_a_signed_task_unsigned_is_refused_at_deploy(admin):
    """autoApprove completed a task with signatureRole as `escalation`, with no signature: a signed
    approval on record that nobody signed."""
    signed = {"signatureRole": "QA", "escalation.after": "PT1H"}
    refusal = refused(admin, {"qa.bpmn": _with_properties({**signed, "escalation.onTimeout": "autoApprove"})})
    assert "autoApprove cannot sign" in refusal["message"], refusal["message"]
    assert refusal["details"] == {"file": "qa.bpmn", "element_id": "work", "property": "escalation.onTimeout"}
    reassigned = _with_properties({**signed, "escalation.onTimeout": "reassign:qa-leads"})
    assert admin.deploy_bytes({"ok.bpmn": reassigned.encode()}).status_code == 201


@pytest.mark.parametrize("cap", ["two", "0", "-1", "2.5"])
def test_a_visit_cap_that_is_no_whole_number_of_at_least_1_is_refused_not_ignored(admin, cap):
    # maxVisits=two used to deploy and cap nothing: the rework loop it was meant to stop ran on.
    refusal = refused(admin, {"cap.bpmn": _with_properties({"maxVisits": cap})})
    assert f"maxVisits='{cap}': a whole number of at least 1" in refusal["message"], refusal["message"]
    assert refusal["details"] == {"file": "cap.bpmn", "element_id": "work", "property": "maxVisits"}
    assert admin.deploy_bytes({"ok.bpmn": _with_properties({"maxVisits": " 3 "}).encode()}).status_code == 201


def test_a_process_property_that_would_fail_every_instance_is_refused_naming_the_process(admin):
    refusal = refused(admin, {"sla.bpmn": _with_properties({"slaHours": "two days"}, on_task=False)})
    assert "slaHours='two days': a number of hours is expected" in refusal["message"]
    assert refusal["details"]["element_id"] == "propertied"
    good = {"slaHours": "8", "businessCalendar": "GB", "escalation.after": "P1D", "slaPauseElements": "work"}
    assert admin.deploy_bytes({"ok.bpmn": _with_properties(good, on_task=False).encode()}).status_code == 201


def test_a_service_task_whose_handler_is_registered_nowhere_deploys_with_a_warning_naming_it(admin):
    def service(attributes: str) -> bytes:
        task = f'<bpmn:serviceTask id="work" name="Work" {attributes}>'
        return bpmn(one_task(task, "</bpmn:serviceTask>"), key="served").encode()

    deployed = admin.deploy_bytes({"missing.bpmn": service('camunda:class="com.acme.ArchiveDelegate"')})
    assert deployed.status_code == 201, deployed.json
    (warning,) = deployed.json["warnings"]
    assert warning["file"] == "missing.bpmn" and warning["element_id"] == "work"
    assert "no service handler is registered as 'com.acme.ArchiveDelegate'" in warning["message"]
    for attributes in ('camunda:class="echo"', 'camunda:type="external" camunda:topic="${topic}"'):
        assert admin.deploy_bytes({"found.bpmn": service(attributes)}).json["warnings"] == []
