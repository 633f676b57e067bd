"""Camunda's own examples, deployed unmodified and driven over HTTP as a Camunda user would."""

import pytest

from app.models.jobs import Job
from app.services import job_runs
from tests.conftest import SHARED

EXAMPLES = SHARED / "conformance" / "camunda-examples"
INVOICE = EXAMPLES / "invoice"
START = {
    "amount": 30.0,
    "invoiceCategory": "Misc",
    "creditor": "Great Pizza",
    "invoiceNumber": "GPFE-23232323",
}


@pytest.fixture
def invoice(admin):
    deployed = admin.deploy(
        INVOICE / "invoice.v2.bpmn", INVOICE / "reviewInvoice.bpmn", INVOICE / "invoiceBusinessDecisions.dmn"
    )
    assert deployed.status_code == 201, deployed.json
    return admin, deployed.json


def _open_task(api, instance_id, element_id):
    tasks = api.get(f"/tasks?instance_id={instance_id}").json["items"]
    assert [t["element_id"] for t in tasks] == [element_id], tasks
    return tasks[0]


def _complete(api, task, **variables):
    done = api.post(f"/tasks/{task['id']}/complete", json={"variables": variables})
    assert done.status_code == 200, done.json


def test_invoice_example_deploys_with_warnings_for_its_javascript_listeners(invoice):
    _, body = invoice
    assert {d["key"] for d in body["definitions"]} >= {"invoice", "ReviewInvoice", "invoice-assign-approver"}
    warned = {(w["element_id"], "javascript" in w["message"]) for w in body["warnings"]}
    assert ("approveInvoice", True) in warned


def test_invoice_runs_end_to_end_decision_approval_transfer_and_archive(invoice, db_session, caplog):
    api, _ = invoice
    started = api.post("/process-definitions/invoice/instances", json={"variables": START})
    assert started.status_code == 201, started.json
    iid = started.json["id"]
    approve = _open_task(api, iid, "approveInvoice")
    # invoice-assign-approver (DMN, collectEntries) gave the approver group; dueDate is a week out.
    assert approve["candidate_groups"] == ["accounting", "sales"]
    assert approve["due"] is not None
    assert api.get(f"/instances/{iid}").json["variables"]["approverGroups"] == ["accounting", "sales"]
    _complete(api, approve, approved=True)
    transfer = _open_task(api, iid, "prepareBankTransfer")
    assert transfer["candidate_groups"] == ["accounting"]
    _complete(api, transfer)
    # The archive step is a camunda:class service task: a worker runs its registered handler.
    job = db_session.query(Job).filter_by(instance_id=iid, element_id="ServiceTask_1").one()
    assert job.handler == "org.camunda.bpm.example.invoice.service.ArchiveInvoiceService"
    with caplog.at_level("INFO", logger="app.handlers.builtin"):
        assert job_runs.run_job(job.id) == "done"
    assert f"archiving invoice {START['invoiceNumber']}" in caplog.text  # all Camunda's delegate does
    final = api.get(f"/instances/{iid}").json
    assert final["status"] == "completed", final
    assert "archived" not in final["variables"]
    visited = [h["element_id"] for h in api.get(f"/instances/{iid}/history").json["items"]]
    assert visited[-2:] == ["ServiceTask_1", "invoiceProcessed"]


def test_a_rejected_invoice_goes_to_review_in_the_called_process_and_back(invoice, make_user):
    api, _ = invoice
    make_user("mary")  # a reviewer the request names must be a user (else a 400)
    iid = api.post("/process-definitions/invoice/instances", json={"variables": START}).json["id"]
    _complete(api, _open_task(api, iid, "approveInvoice"), approved=False)
    assign = _open_task(api, iid, "assignReviewer")
    assert assign["assignee"] == "demo"
    _complete(api, assign, reviewer="mary")
    review = _open_task(api, iid, "reviewInvoice")
    assert review["assignee"] == "mary"  # ${reviewer} inside the called process
    _complete(api, review, clarified=False, notes="not ours")
    final = api.get(f"/instances/{iid}").json
    assert final["status"] == "completed"
    # camunda:out maps only `clarified` back; the reviewer's other variables stay in the child.
    assert final["variables"]["clarified"] is False and "notes" not in final["variables"]


def test_camunda_forms_example_deploys_with_its_forms_and_its_forms_are_checked(admin):
    folder = EXAMPLES / "task-camunda-forms"
    deployed = admin.deploy(
        folder / "invoiceApproval.bpmn", folder / "start-form.form", folder / "task-form.form"
    )
    assert deployed.status_code == 201, deployed.json
    keys = {(d["key"], d.get("kind", d.get("type"))) for d in deployed.json["definitions"]}
    assert any(k == "task-form.form" for k, _ in keys), keys
    start = "/process-definitions/camundaFormsQuickstart/instances"
    refused = admin.post(start, json={"variables": {"creditor": "ACME", "amount": "abc"}})
    assert refused.status_code == 400
    assert refused.json["details"]["fields"] == {"amount": "Must match the pattern ^[0-9]+$."}
    invoice = {"creditor": "ACME", "amount": "300", "invoiceNumber": "C-12"}
    iid = admin.post(start, json={"variables": invoice}).json["id"]
    task = _open_task(admin, iid, "UserTask_1")
    assert task["form"]["type"] == "camunda-form" and task["form"]["ref"] == "task-form.form"
    assert task["assignee"] == "demo"
    form = admin.get(f"/tasks/{task['id']}/form").json
    assert [c["key"] for c in form["schema"]["components"]][:3] == ["creditor", "amount", "invoiceNumber"]
    assert form["values"] == invoice  # prefilled from the instance (approved is not set yet)
    bad = admin.post(f"/tasks/{task['id']}/complete", json={"variables": {**invoice, "approved": "yes"}})
    assert bad.status_code == 400 and set(bad.json["details"]["fields"]) == {"approved"}
    done = admin.post(f"/tasks/{task['id']}/complete", json={"variables": {**invoice, "approved": "true"}})
    assert done.status_code == 200, done.json


def test_an_amount_given_as_text_is_read_as_camunda_reads_a_double_input(invoice):
    # Camunda Forms text fields submit strings; Camunda 7 transforms them to the input's typeRef.
    api, _ = invoice
    started = api.post(
        "/process-definitions/invoice/instances", json={"variables": {**START, "amount": "500"}}
    )
    assert started.status_code == 201, started.json
    assert api.get(f"/instances/{started.json['id']}").json["variables"]["approverGroups"] == ["management"]


def test_an_amount_that_is_no_number_is_an_incident_naming_decision_input_and_value(invoice):
    api, _ = invoice
    started = api.post(
        "/process-definitions/invoice/instances", json={"variables": {**START, "amount": "5x00"}}
    )
    assert started.status_code == 201 and started.json["status"] == "failed", started.json
    incident = api.get("/incidents", query_string={"instance_id": started.json["id"]}).json["items"][0]
    assert incident["element_id"] == "assignApprover"
    assert "decision 'invoiceClassification'" in incident["message"]
    assert "input 'Invoice Amount': '5x00' is not a double" in incident["message"]
