"""Every door checks a form's values: REST completion and start refuse what the inbox would."""

from __future__ import annotations

import pytest

from tests.conftest import DATA, ROOT
from tests.scenarios.flow import open_tasks

BPMN, DMN = ROOT / "bpmn", ROOT / "dmn"


@pytest.fixture
def line(admin):
    assert admin.deploy(BPMN / "remanufacturing.bpmn", DMN / "inspection_routing.dmn").status_code == 201
    return admin


def _task(api, iid, element_id) -> str:
    return next(t["id"] for t in open_tasks(api, iid) if t["element_id"] == element_id)


def _at_inspection(api) -> str:
    iid = api.post("/process-definitions/remanufacturing/instances", json={"variables": {}}).json["id"]
    api.post(
        f"/tasks/{_task(api, iid, 'Task_receive')}/complete", json={"variables": {"serial_number": "SN-1"}}
    )
    for element in ("Task_disassemble", "Task_clean"):
        api.post(f"/tasks/{_task(api, iid, element)}/complete", json={})
    return iid


def test_a_rest_completion_without_a_required_field_is_refused_naming_it(line):
    iid = line.post("/process-definitions/remanufacturing/instances", json={"variables": {}}).json["id"]
    refused = line.post(f"/tasks/{_task(line, iid, 'Task_receive')}/complete", json={"variables": {}})
    assert refused.status_code == 400
    assert refused.json["details"]["fields"] == {"serial_number": "This field is required."}
    assert "serial_number" in refused.json["message"]
    assert [t["element_id"] for t in open_tasks(line, iid)] == ["Task_receive"]  # nothing moved


def test_rest_values_of_the_wrong_type_are_refused_before_the_decision_sees_them(line):
    iid = _at_inspection(line)
    task = _task(line, iid, "Task_inspect")
    sent = {"wear_mm": "0.3", "crack_found": "yes", "grade": "Z"}
    refused = line.post(f"/tasks/{task}/complete", json={"variables": sent})
    assert refused.status_code == 400
    assert refused.json["details"]["fields"] == {
        "crack_found": "Choose true or false.",
        "grade": "Choose one of: A, B, C, D.",
    }
    assert line.get(f"/instances/{iid}").json["status"] == "waiting"  # no incident at Gateway_route


@pytest.mark.parametrize("wear", [0.7, "0.7"])
def test_worn_out_wear_sent_over_rest_routes_the_part_to_scrap(line, wear):
    iid = _at_inspection(line)
    sent = {"wear_mm": wear, "crack_found": False, "grade": "A", "inspector_note": "seat worn"}
    done = line.post(f"/tasks/{_task(line, iid, 'Task_inspect')}/complete", json={"variables": sent})
    assert done.status_code == 200, done.json
    body = line.get(f"/instances/{iid}").json
    assert body["active_elements"] == ["Task_scrap_decision"] and body["variables"]["route"] == "scrap"
    assert body["variables"]["wear_mm"] == 0.7  # a number, whichever way it was sent
    assert body["variables"]["inspector_note"] == "seat worn"  # a variable the form does not declare


def test_a_rest_start_without_the_start_forms_required_field_is_refused(admin):
    admin.deploy(BPMN / "leave_request.bpmn")
    refused = admin.post("/process-definitions/leave_request/instances", json={})
    assert refused.status_code == 400 and refused.json["details"]["fields"] == {
        "days": "This field is required."
    }
    assert admin.get("/instances?key=leave_request").json["total"] == 0
    bad = admin.post("/process-definitions/leave_request/instances", json={"variables": {"days": 2.5}})
    assert bad.json["details"]["fields"] == {"days": "Enter a whole number."}
    started = admin.post("/process-definitions/leave_request/instances", json={"variables": {"days": "3"}})
    assert started.status_code == 201 and started.json["variables"]["days"] == 3


def _deploy_review_form(api, fields: str):
    """two_steps with `fields` (camunda:formField elements) as the form of its review task."""
    xml = (
        (DATA / "simple" / "two_steps.bpmn")
        .read_text()
        .replace(
            "<bpmn:documentation>Check the request.</bpmn:documentation>",
            f"<bpmn:extensionElements><camunda:formData>{fields}</camunda:formData></bpmn:extensionElements>",
        )
    )
    return api.deploy_bytes({"two_steps.bpmn": xml.encode()})


def test_a_generated_forms_pattern_constraint_is_checked(admin):
    field = (
        '<camunda:formField id="code" type="string"><camunda:validation>'
        '<camunda:constraint name="pattern" config="[A-Z]{2}-[0-9]+" />'
        "</camunda:validation></camunda:formField>"
    )
    assert _deploy_review_form(admin, field).status_code == 201
    iid = admin.post("/process-definitions/two_steps/instances", json={}).json["id"]
    task = _task(admin, iid, "review")
    refused = admin.post(f"/tasks/{task}/complete", json={"variables": {"code": "AB-12x"}})
    assert refused.json["details"]["fields"] == {"code": "Must match the pattern [A-Z]{2}-[0-9]+."}
    assert admin.post(f"/tasks/{task}/complete", json={"variables": {"code": "AB-12"}}).status_code == 200


def test_a_pattern_that_backtracks_without_bound_holds_no_request(admin):
    """A value typed against a modeller's nested repetition: Python's re took minutes on it (the
    request thread held all along); it is refused at once, or named as uncheckable in time."""
    fields = "".join(
        f'<camunda:formField id="{name}" type="string"><camunda:validation>'
        f'<camunda:constraint name="pattern" config="{pattern}" /></camunda:validation></camunda:formField>'
        for name, pattern in (("code", "(a+)+"), ("tag", "(a|aa)+"))
    )
    assert _deploy_review_form(admin, fields).status_code == 201
    iid = admin.post("/process-definitions/two_steps/instances", json={}).json["id"]
    task = _task(admin, iid, "review")
    refused = admin.post(f"/tasks/{task}/complete", json={"variables": {"code": "a" * 28 + "b", "tag": "aa"}})
    assert refused.status_code == 400
    assert refused.json["details"]["fields"] == {"code": "Must match the pattern (a+)+."}
    slow = admin.post(f"/tasks/{task}/complete", json={"variables": {"code": "aaa", "tag": "a" * 40 + "b"}})
    assert slow.json["details"]["fields"] == {
        "tag": "Could not be checked against the pattern (a|aa)+ in time."
    }
    assert (
        admin.post(f"/tasks/{task}/complete", json={"variables": {"code": "aaa", "tag": "aa"}}).status_code
        == 200
    )


def test_completing_a_task_without_a_form_reads_no_form(admin, app):
    """The hot path stays as it was: no form, no lookup (B1's user task has none)."""
    from sqlalchemy import event

    from app.extensions import db

    admin.deploy(DATA / "simple" / "two_steps.bpmn")
    first, second = (admin.post("/process-definitions/two_steps/instances", json={}).json for _ in range(2))
    admin.post(f"/tasks/{first['tasks'][0]['id']}/complete", json={})  # warms the definition caches
    seen = []

    def note(_conn, _cursor, statement, *_args):
        seen.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        assert admin.post(f"/tasks/{second['tasks'][0]['id']}/complete", json={}).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", note)
    assert not [s for s in seen if "definitions" in s]


def test_what_the_server_will_not_check_is_a_deploy_warning_naming_element_and_field(admin):
    fields = (
        '<camunda:formField id="shade" type="color" />'
        '<camunda:formField id="n" type="long"><camunda:validation>'
        '<camunda:constraint name="validator" config="com.acme.Check" />'
        '<camunda:constraint name="min" config="${low}" />'
        '<camunda:constraint name="pattern" config="[^]" />'  # JavaScript's any character
        "</camunda:validation></camunda:formField>"
    )
    deployed = _deploy_review_form(admin, fields)
    assert deployed.status_code == 201
    warnings = [(w["element_id"], w["message"]) for w in deployed.json["warnings"]]
    assert warnings == [
        ("review", "form field 'shade' has the type 'color', which Baton stores as sent"),
        ("review", "form field 'n': the constraint 'validator' is not checked by Baton"),
        ("review", "form field 'n': the constraint min='${low}' is not a number and bounds nothing"),
        ("review", warnings[3][1]),
    ]
    assert warnings[3][1].startswith("form field 'n': the pattern [^] is not understood by the server")


def test_a_required_field_the_instance_already_holds_need_not_be_sent_again(admin):
    """As Camunda 7's RequiredValidator: the form showed the held value, completing keeps it."""
    field = (
        '<camunda:formField id="amount" type="long"><camunda:validation>'
        '<camunda:constraint name="required" /></camunda:validation></camunda:formField>'
    )
    assert _deploy_review_form(admin, field).status_code == 201
    held = admin.post("/process-definitions/two_steps/instances", json={"variables": {"amount": 5}}).json
    task = _task(admin, held["id"], "review")
    assert admin.get(f"/tasks/{task}/form").json["values"] == {"amount": 5}
    done = admin.post(f"/tasks/{task}/complete", json={"variables": {}})
    assert done.status_code == 200, done.json
    assert admin.get(f"/instances/{held['id']}").json["variables"]["amount"] == 5
    empty = admin.post("/process-definitions/two_steps/instances", json={"variables": {"amount": None}}).json
    refused = admin.post(f"/tasks/{_task(admin, empty['id'], 'review')}/complete", json={"variables": {}})
    assert refused.json["details"]["fields"] == {"amount": "This field is required."}
    other = admin.post("/process-definitions/two_steps/instances", json={"variables": {"amount": 5}}).json
    blanked = admin.post(
        f"/tasks/{_task(admin, other['id'], 'review')}/complete", json={"variables": {"amount": ""}}
    )
    assert blanked.json["details"]["fields"] == {"amount": "This field is required."}


def test_an_approvals_local_decision_must_still_be_made_afresh(admin):
    admin.deploy(BPMN / "purchase_order_approval.bpmn", DMN / "purchase_order_routing.dmn")
    body = {"variables": {"amount": 25_000, "department": "Engineering", "approval_mode": "sequential"}}
    iid = admin.post("/process-definitions/purchase_order_approval/instances", json=body).json["id"]
    first = _task(admin, iid, "Task_approve_sequential")
    assert (
        admin.post(
            f"/tasks/{first}/complete", json={"variables": {"decision": "approve"}, "reason": "ok"}
        ).status_code
        == 200
    )
    second = _task(admin, iid, "Task_approve_sequential")
    refused = admin.post(f"/tasks/{second}/complete", json={"variables": {}, "reason": "ok"})
    assert refused.status_code == 400 and "decision" in refused.json["details"]["fields"], refused.json


def test_a_task_form_opens_with_the_tasks_own_inputs_while_the_instance_shows_the_process_data(admin):
    field = '<camunda:formField id="shown" type="long" />'
    xml = (
        (DATA / "simple" / "two_steps.bpmn")
        .read_text()
        .replace(
            "<bpmn:documentation>Check the request.</bpmn:documentation>",
            "<bpmn:extensionElements><camunda:formData>"
            + field
            + "</camunda:formData><camunda:inputOutput>"
            + '<camunda:inputParameter name="shown">${amount * 2}</camunda:inputParameter>'
            + "</camunda:inputOutput></bpmn:extensionElements>",
        )
    )
    assert admin.deploy_bytes({"two_steps.bpmn": xml.encode()}).status_code == 201
    iid = admin.post("/process-definitions/two_steps/instances", json={"variables": {"amount": 4}}).json["id"]
    assert admin.get(f"/tasks/{_task(admin, iid, 'review')}/form").json["values"] == {"shown": 8}
    assert "shown" not in admin.get(f"/instances/{iid}").json["variables"]
