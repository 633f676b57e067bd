"""Which form a task shows: found by file name or id, checked at deploy, bound as the model says;
and the form read over REST (GET /tasks/{id}/form, GET /process-definitions/{key}/start-form)."""

from __future__ import annotations

import json

import pytest

from tests.conftest import DATA, ROOT
from tests.scenarios.flow import open_tasks

FORMS = DATA / "forms"
BOUND = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="bound" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f0</bpmn:outgoing></bpmn:startEvent>
    <bpmn:parallelGateway id="split"><bpmn:incoming>f0</bpmn:incoming>
      <bpmn:outgoing>f1</bpmn:outgoing><bpmn:outgoing>f2</bpmn:outgoing><bpmn:outgoing>f3</bpmn:outgoing>
    </bpmn:parallelGateway>
    <bpmn:userTask id="t_deployment" camunda:formRef="task-form" camunda:formRefBinding="deployment">
      <bpmn:incoming>f1</bpmn:incoming></bpmn:userTask>
    <bpmn:userTask id="t_latest" camunda:formRef="task-form" camunda:formRefBinding="latest">
      <bpmn:incoming>f2</bpmn:incoming></bpmn:userTask>
    <bpmn:userTask id="t_version" camunda:formRef="task-form" camunda:formRefBinding="version"
        camunda:formRefVersion="{version}"><bpmn:incoming>f3</bpmn:incoming></bpmn:userTask>
    <bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="split" />
    <bpmn:sequenceFlow id="f1" sourceRef="split" targetRef="t_deployment" />
    <bpmn:sequenceFlow id="f2" sourceRef="split" targetRef="t_latest" />
    <bpmn:sequenceFlow id="f3" sourceRef="split" targetRef="t_version" />
  </bpmn:process>
</bpmn:definitions>
"""


def _form(*keys: str, required: str | None = None) -> bytes:
    components = [{"key": k, "type": "textfield", "validate": {"required": k == required}} for k in keys]
    return json.dumps({"id": "task-form", "components": components}).encode()


V1, V2 = _form("a"), _form("a", "b", required="b")


def _tasks(api, iid) -> dict[str, str]:
    return {t["element_id"]: t["id"] for t in open_tasks(api, iid)}


def _keys(api, task_id) -> list[str]:
    return [c["key"] for c in api.get(f"/tasks/{task_id}/form").json["schema"]["components"]]


def test_a_form_with_an_id_is_found_by_its_file_name(admin):
    deployed = admin.deploy(FORMS / "by_file.bpmn", FORMS / "approve.form")
    assert deployed.status_code == 201 and deployed.json["warnings"] == []
    iid = admin.post("/process-definitions/by_file/instances", json={}).json["id"]
    task = _tasks(admin, iid)["approve"]
    form = admin.get(f"/tasks/{task}/form").json
    assert form["schema"]["id"] == "Form_approveInvoice" and form["ref"] == "approve.form"
    refused = admin.post(f"/tasks/{task}/complete", json={"variables": {"amount": 0, "note": "lower"}})
    assert refused.json["details"]["fields"] == {
        "amount": "Must be at least 1.",
        "note": "Must match the pattern ^[A-Z].",
    }


def test_a_process_whose_form_is_missing_is_refused_at_deploy_naming_element_and_form(admin):
    refused = admin.deploy(FORMS / "by_file.bpmn")
    assert refused.status_code == 400
    assert refused.json["details"] == {
        "file": "by_file.bpmn",
        "element_id": "approve",
        "form": "approve.form",
    }
    assert "'approve'" in refused.json["message"] and "approve.form" in refused.json["message"]
    wrong_version = admin.deploy_bytes({"bound.bpmn": BOUND.format(version=3).encode(), "task-form.form": V1})
    assert wrong_version.status_code == 400 and wrong_version.json["details"]["element_id"] == "t_version"
    assert "has no version 3" in wrong_version.json["message"]


def test_a_latest_form_may_have_been_deployed_before_the_process(admin):
    assert admin.deploy_bytes({"task-form.form": V1}).status_code == 201
    xml = BOUND.format(version=1).replace(
        'camunda:formRefBinding="deployment"', 'camunda:formRefBinding="latest"'
    )
    assert admin.deploy_bytes({"bound.bpmn": xml.encode()}).status_code == 201


def test_each_binding_keeps_the_form_it_names_when_a_new_version_of_the_form_is_deployed(admin):
    admin.deploy_bytes({"bound.bpmn": BOUND.format(version=1).encode(), "task-form.form": V1})
    iid = admin.post("/process-definitions/bound/instances", json={}).json["id"]
    assert admin.deploy_bytes({"task-form.form": V2}).status_code == 201  # the form alone, version 2
    tasks = _tasks(admin, iid)
    assert _keys(admin, tasks["t_deployment"]) == ["a"]  # the form deployed with the process
    assert _keys(admin, tasks["t_version"]) == ["a"]  # camunda:formRefVersion="1"
    assert _keys(admin, tasks["t_latest"]) == ["a", "b"]
    assert (
        admin.post(f"/tasks/{tasks['t_deployment']}/complete", json={"variables": {"a": "x"}}).status_code
        == 200
    )
    refused = admin.post(f"/tasks/{tasks['t_latest']}/complete", json={"variables": {"a": "x"}})
    assert refused.json["details"]["fields"] == {"b": "This field is required."}


def test_an_unchanged_process_deployed_with_a_changed_form_is_a_new_version_showing_it(admin):
    admin.deploy_bytes({"bound.bpmn": BOUND.format(version=1).encode(), "task-form.form": V1})
    again = admin.deploy_bytes({"bound.bpmn": BOUND.format(version=1).encode(), "task-form.form": V1})
    assert [d["version"] for d in again.json["definitions"]] == [1, 1]  # identical: nothing new
    changed = admin.deploy_bytes({"bound.bpmn": BOUND.format(version=1).encode(), "task-form.form": V2})
    assert [d["version"] for d in changed.json["definitions"]] == [2, 2]
    iid = admin.post("/process-definitions/bound/instances", json={}).json["id"]
    assert _keys(admin, _tasks(admin, iid)["t_deployment"]) == ["a", "b"]


def test_a_camunda_8_form_embedded_in_the_bpmn_is_shown_and_checked(admin):
    assert admin.deploy(FORMS / "embedded.bpmn").status_code == 201
    iid = admin.post("/process-definitions/embedded/instances", json={}).json["id"]
    task = _tasks(admin, iid)["measure"]
    form = admin.get(f"/tasks/{task}/form").json
    assert form["binding"] == "embedded" and form["schema"]["id"] == "Form_size"
    refused = admin.post(f"/tasks/{task}/complete", json={"variables": {"size": 12}})
    assert refused.json["details"]["fields"] == {"size": "Must be at most 10."}
    assert admin.post(f"/tasks/{task}/complete", json={"variables": {"size": 4}}).status_code == 200
    missing = (FORMS / "embedded.bpmn").read_text().replace("bpmn:userTaskForm_1", "bpmn:userTaskForm_2")
    refused = admin.deploy_bytes({"embedded.bpmn": missing.encode()})
    assert refused.status_code == 400 and refused.json["details"]["form"] == "userTaskForm_2"


def test_a_generated_task_form_is_read_with_types_rules_options_and_current_values(admin):
    admin.deploy(ROOT / "bpmn" / "remanufacturing.bpmn", ROOT / "dmn" / "inspection_routing.dmn")
    iid = admin.post("/process-definitions/remanufacturing/instances", json={}).json["id"]
    receive = _tasks(admin, iid)["Task_receive"]
    assert admin.get(f"/tasks/{receive}").json["form"]["fields"][0]["validation"] == {"required": True}
    admin.post(f"/tasks/{receive}/complete", json={"variables": {"serial_number": "SN-9"}})
    for element in ("Task_disassemble", "Task_clean"):
        admin.post(f"/tasks/{_tasks(admin, iid)[element]}/complete", json={})
    form = admin.get(f"/tasks/{_tasks(admin, iid)['Task_inspect']}/form").json
    fields = {f["id"]: f for f in form["fields"]}
    assert fields["wear_mm"]["type"] == "double"
    assert fields["wear_mm"]["validation"] == {"required": True, "min": "0", "max": "5"}
    assert [v["id"] for v in fields["grade"]["values"]] == ["A", "B", "C", "D"]
    assert form["values"] == {"wear_mm": None, "crack_found": False, "grade": None}  # the default, typed


def test_the_start_form_is_read_by_whoever_may_start_the_process(admin, as_user):
    admin.deploy(ROOT / "bpmn" / "leave_request.bpmn", DATA / "security" / "restricted_start.bpmn")
    form = as_user("emma").get("/process-definitions/leave_request/start-form").json
    assert form["key"] == "leave_request" and form["type"] == "generated"
    assert "form_key" not in form
    assert [f["id"] for f in form["fields"]] == ["days", "leave_type"]
    assert form["values"] == {"days": None, "leave_type": None}
    refused = as_user("outsider").get("/process-definitions/restricted_start/start-form")
    assert refused.status_code == 403
    assert admin.get("/process-definitions/restricted_start/start-form").json == {
        "key": "restricted_start", "definition_version": 1, "type": None, "values": {}
    }  # fmt: skip
    assert admin.get("/process-definitions/nothing/start-form").status_code == 404


def test_a_task_form_is_read_only_by_whom_the_task_is_offered_to(admin, as_user):
    admin.deploy(FORMS / "by_file.bpmn", FORMS / "approve.form")
    iid = admin.post("/process-definitions/by_file/instances", json={}).json["id"]
    task = _tasks(admin, iid)["approve"]
    assert as_user("stranger").get(f"/tasks/{task}/form").status_code == 403
    assert as_user("clerk").get(f"/tasks/{task}/form").json["task_id"] == task


def test_the_form_routes_are_in_the_openapi_document(client):
    document = client.get("/api/v1/openapi.json").json
    for path in ("/api/v1/tasks/{task_id}/form", "/api/v1/process-definitions/{key}/start-form"):
        answer = document["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
        assert answer["schema"] == {"$ref": "#/components/schemas/Form"}
    assert {"type", "values", "schema", "fields"} <= set(
        document["components"]["schemas"]["Form"]["properties"]
    )


@pytest.mark.parametrize("binding", ["deployment", "latest"])
def test_an_app_or_deployment_form_key_of_camunda_7_resolves_by_file_name(admin, binding):
    xml = (FORMS / "by_file.bpmn").read_text()
    if binding == "latest":
        xml = xml.replace("camunda-forms:deployment:", "camunda-forms:app:forms/")
        assert admin.deploy(FORMS / "approve.form").status_code == 201
        files = {"by_file.bpmn": xml.encode()}
    else:
        files = {"by_file.bpmn": xml.encode(), "approve.form": (FORMS / "approve.form").read_bytes()}
    assert admin.deploy_bytes(files).status_code == 201, binding
    iid = admin.post("/process-definitions/by_file/instances", json={}).json["id"]
    assert (
        admin.get(f"/tasks/{_tasks(admin, iid)['approve']}/form").json["schema"]["id"]
        == "Form_approveInvoice"
    )


def test_a_called_process_deployed_before_keeps_the_form_its_own_deployment_resolved(admin):
    admin.deploy(FORMS / "by_file.bpmn", FORMS / "approve.form")
    newer = json.loads((FORMS / "approve.form").read_text())
    newer["components"] = newer["components"][:1]
    assert admin.deploy_bytes({"approve.form": json.dumps(newer).encode()}).status_code == 201  # alone
    caller = (
        (DATA / "camunda" / "call_parent.bpmn")
        .read_text()
        .replace('calledElement="call_child"', 'calledElement="by_file"')
    )
    deployed = admin.deploy_bytes({"caller.bpmn": caller.encode()})  # approve.form is not in it
    assert deployed.status_code == 201, deployed.json
    iid = admin.post("/process-definitions/call_parent/instances", json={"variables": {"amount": 1}}).json[
        "id"
    ]
    form = admin.get(f"/tasks/{_tasks(admin, iid)['approve']}/form").json
    assert [c["key"] for c in form["schema"]["components"]] == ["amount", "note"]  # deployed with it


def test_a_start_form_bound_latest_keeps_the_process_key_and_names_the_forms_apart(admin):
    folder = DATA / "start_forms"
    assert admin.deploy(folder / "request.bpmn", folder / "tool-request.form").status_code == 201
    form = admin.get("/process-definitions/tool_request/start-form").json
    assert form["key"] == "tool_request" and form["binding"] == "latest", form
    assert form["form_key"] == "tool-request-form"


def test_a_camunda_forms_required_field_the_instance_already_holds_need_not_be_sent_again(admin):
    """The rule generated forms follow (Camunda 7's RequiredValidator): the form showed the held
    value, so a completion that leaves it out keeps it; one that clears it is refused."""
    assert admin.deploy(FORMS / "by_file.bpmn", FORMS / "approve.form").status_code == 201
    held = admin.post("/process-definitions/by_file/instances", json={"variables": {"amount": 5}}).json
    done = admin.post(f"/tasks/{_tasks(admin, held['id'])['approve']}/complete", json={"variables": {}})
    assert done.status_code == 200, done.json
    assert admin.get(f"/instances/{held['id']}").json["variables"]["amount"] == 5
    empty = admin.post("/process-definitions/by_file/instances", json={}).json
    refused = admin.post(f"/tasks/{_tasks(admin, empty['id'])['approve']}/complete", json={"variables": {}})
    assert refused.json["details"]["fields"] == {"amount": "This field is required."}
    cleared = admin.post("/process-definitions/by_file/instances", json={"variables": {"amount": 5}}).json
    task = _tasks(admin, cleared["id"])["approve"]
    blanked = admin.post(f"/tasks/{task}/complete", json={"variables": {"amount": None}})
    assert blanked.json["details"]["fields"] == {"amount": "This field is required."}
