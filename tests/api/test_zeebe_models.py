"""Models as Camunda Modeler 5 saves them for Camunda 8 (zeebe: extensions, FEEL), deployed over
HTTP and driven as a team moving from Camunda 8 would: their job workers run through the same
service function a Celery worker calls."""

from __future__ import annotations

import pytest

from app.models.jobs import Job
from app.services import job_runs
from tests.api import zeebe_handlers  # noqa: F401  (registers the job workers the models name)
from tests.conftest import DATA

ZEEBE = DATA / "zeebe"


def _start(api, path, key: str, **variables) -> str:
    deployed = api.deploy(ZEEBE / path)
    assert deployed.status_code == 201, deployed.json
    started = api.post(f"/process-definitions/{key}/instances", json={"variables": variables})
    assert started.status_code == 201, started.json
    return started.json["id"]


def _work(db_session, instance_id: str, element_id: str) -> None:
    """What a Celery worker does with the job of `element_id`."""
    job = db_session.query(Job).filter_by(instance_id=instance_id, element_id=element_id).one()
    assert job_runs.run_job(job.id) == "done"


def _instance(api, instance_id: str) -> dict:
    return api.get(f"/instances/{instance_id}").json


def test_feel_script_tasks_and_job_worker_script_and_rule_tasks_run(admin, db_session):
    lines = [{"qty": 2, "price": 30}, {"qty": 1, "price": 50}]
    iid = _start(admin, "order_scripts.bpmn", "z8_order_scripts", lines=lines, customer="ACME")
    # zeebe:script: the FEEL result lands in resultVariable; the other variables stay.
    assert _instance(admin, iid)["variables"] == {"lines": lines, "customer": "ACME", "total": 110}
    _work(db_session, iid, "label")  # zeebe:taskDefinition on a script task: a job worker's
    _work(db_session, iid, "rate")  # ... and on a business rule task
    instance = _instance(admin, iid)
    assert instance["active_elements"] == ["review"]
    assert instance["variables"]["label"] == "order of 110"
    assert instance["variables"]["rating"] == "gold"


def test_a_job_result_reaches_the_process_only_through_the_output_mappings(admin, db_session):
    # Camunda 8: once an element has output mappings, the job's variables stay local to it.
    iid = _start(admin, "pricing.bpmn", "z8_pricing", customer={"name": "ACME"}, lines=[1, 2], status="new")
    _work(db_session, iid, "price")
    variables = _instance(admin, iid)["variables"]
    assert variables == {
        "customer": {"name": "ACME"},
        "lines": [1, 2],
        "status": "new",  # the handler's "priced" is not mapped: the process keeps its own
        "order": {"total": 20.0, "currency": "EUR"},
    }


def test_a_handler_reads_the_task_headers_of_its_job(admin, db_session):
    iid = _start(admin, "pricing.bpmn", "z8_pricing", customer={"name": "ACME"}, lines=[1], status="new")
    _work(db_session, iid, "price")  # the handler takes `headers`: currency and priceList
    assert _instance(admin, iid)["variables"]["order"] == {"total": 10.0, "currency": "EUR"}


def test_camunda_feel_extensions_is_defined_and_get_or_else_route_as_in_camunda_8(admin):
    # `is defined` tells a missing variable from a null one; Baton answered null to both.
    admin.deploy(ZEEBE / "discount.bpmn")
    cases = [({"discount": {"rate": None}}, "applyDiscount"), ({"customer": {}}, "fullPrice")]
    for variables, element in cases:
        started = admin.post("/process-definitions/z8_discount/instances", json={"variables": variables})
        assert started.status_code == 201, started.json
        assert started.json["active_elements"] == [element], started.json
    assert started.json["variables"]["tier"] == "standard"


def test_deploy_warns_that_plain_and_manual_tasks_wait_for_a_person_unlike_camunda_8(admin):
    # Camunda 8 passes through an undefined or manual task; Baton offers it in the inbox.
    deployed = admin.deploy(ZEEBE / "packing.bpmn")
    assert deployed.status_code == 201, deployed.json
    warned = {w["element_id"]: w["message"] for w in deployed.json["warnings"]}
    assert set(warned) == {"pick", "pack"}
    assert "Camunda 8 passes through" in warned["pick"] and "waits for a person" in warned["pack"]


def test_message_throw_and_end_events_run_by_a_job_worker(admin, db_session):
    # Camunda 8 sends a thrown message through a job worker (zeebe:taskDefinition on the event);
    # Baton failed such a start with a 500 (it looked for a payload expression).
    iid = _start(admin, "notify.bpmn", "z8_notify", order="A-1")
    _work(db_session, iid, "confirmed")
    (ship,) = admin.get(f"/tasks?instance_id={iid}").json["items"]
    assert admin.post(f"/tasks/{ship['id']}/complete", json={"variables": {}}).status_code == 200
    _work(db_session, iid, "shipped")
    instance = _instance(admin, iid)
    assert instance["status"] == "completed", instance
    assert instance["variables"]["sent"] == ["confirmation", "shipped"]


def test_a_message_throw_event_with_no_implementation_passes_instead_of_failing_the_start(admin):
    deployed = admin.deploy_bytes(
        {
            "bare.bpmn": (ZEEBE / "notify.bpmn")
            .read_bytes()
            .replace(b'<zeebe:taskDefinition type="z8.publish" />', b"")
            .replace(b"z8_notify", b"z8_bare")
        }
    )
    assert deployed.status_code == 201, deployed.json
    started = admin.post("/process-definitions/z8_bare/instances", json={"variables": {}})
    assert started.status_code == 201, started.json
    assert started.json["active_elements"] == ["ship"]


def _declined(api, db_session, files: dict[str, bytes], key: str) -> dict:
    """Start `key` and let its charge job's worker decline the card: it throws DECLINED with
    variables of its own (reason, attempt), as a Camunda 8 worker's throwError may."""
    assert api.deploy_bytes(files).status_code == 201
    started = api.post(f"/process-definitions/{key}/instances", json={"variables": {"order": "A-1"}})
    assert started.status_code == 201, started.json
    _work(db_session, started.json["id"], "charge")
    return _instance(api, started.json["id"])


def _without_mappings(model: bytes) -> bytes:
    start = model.index(b"<bpmn:extensionElements>\n", model.index(b'id="declined"'))
    end = model.index(b"</bpmn:extensionElements>", start) + len(b"</bpmn:extensionElements>")
    return model[:start] + model[end:]


@pytest.mark.parametrize(
    "path, key, more",
    [("payment.bpmn", "z8_payment", {}), ("payment_handler.bpmn", "z8_payment_handler", {"amount": 42})],
)
def test_a_caught_errors_variables_reach_the_process_only_through_the_catch_events_output_mappings(
    admin, db_session, path, key, more
):
    # Camunda 8: the error's variables are merged into the catching event (a boundary event, or
    # an event subprocess's start event); its output mappings say what reaches the process. An
    # event subprocess's start event ran no mappings at all: every error variable leaked.
    instance = _declined(admin, db_session, {path: (ZEEBE / path).read_bytes()}, key)
    assert instance["active_elements"][-1] == "contactCustomer", instance
    assert instance["variables"] == {"order": "A-1", **more, "decline": {"reason": "expired"}}


@pytest.mark.parametrize(
    "path, key", [("payment.bpmn", "z8_payment"), ("payment_handler.bpmn", "z8_payment_handler")]
)
def test_without_output_mappings_every_error_variable_reaches_the_process(admin, db_session, path, key):
    bare = _without_mappings((ZEEBE / path).read_bytes())
    instance = _declined(admin, db_session, {path: bare}, key)
    assert instance["active_elements"][-1] == "contactCustomer", instance
    assert instance["variables"]["reason"] == "expired" and instance["variables"]["attempt"] == 3
