"""Several sequence flows straight out of a task, as Camunda Modeler lets one draw them: flows
without a condition are all taken (a parallel split), flows with a condition are taken when it
holds and the task's default flow when none does (Camunda 7's conditional flows). No gateway the
model does not draw shows in the history."""

import pytest

from tests.conftest import DATA

MODEL = DATA / "flows" / "task_splits.bpmn"


@pytest.fixture
def api(admin):
    deployed = admin.deploy(MODEL)
    assert deployed.status_code == 201, deployed.json
    return admin


def _open(api, instance_id) -> dict:
    return {t["element_id"]: t["id"] for t in api.get(f"/tasks?instance_id={instance_id}").json["items"]}


def _complete(api, task_id):
    done = api.post(f"/tasks/{task_id}/complete", json={})
    assert done.status_code == 200, done.json


def _routed(api, amount) -> tuple[str, set]:
    started = api.post("/process-definitions/task_splits/instances", json={"variables": {"amount": amount}})
    iid = started.json["id"]
    _complete(api, _open(api, iid)["approve"])
    opened = _open(api, iid)
    assert set(opened) == {"notify", "archive"}  # both flows out of approve are taken
    _complete(api, opened["archive"])
    _complete(api, _open(api, iid)["route"])
    return iid, set(_open(api, iid)) - {"notify"}


@pytest.mark.parametrize(
    ("amount", "taken"), [(10, {"standard"}), (2000, {"express"}), (9000, {"express", "audit"})]
)
def test_conditional_flows_out_of_a_task_are_taken_when_they_hold_else_its_default(api, amount, taken):
    _, opened = _routed(api, amount)
    assert opened == taken


def test_the_split_after_a_task_is_no_element_of_the_history(api):
    iid, _ = _routed(api, 10)
    elements = {h["element_id"] for h in api.get(f"/instances/{iid}/history").json["items"]}
    assert elements == {"start", "approve", "notify", "archive", "route", "standard"}
    assert api.get(f"/instances/{iid}").json["active_elements"] == ["notify", "standard"]


def test_a_condition_that_throws_on_a_flow_out_of_a_task_is_an_incident_on_that_task(api):
    # Camunda 7: `${amount > 5000}` with no `amount` throws; the split after `route` is not drawn,
    # so the incident, the active elements and a retry's answer name `route`, and a retry with the
    # variable set takes the flows it routes to.
    iid = api.post("/process-definitions/task_splits/instances", json={}).json["id"]
    _complete(api, _open(api, iid)["approve"])
    _complete(api, _open(api, iid)["archive"])
    _complete(api, _open(api, iid)["route"])
    failed = api.get(f"/instances/{iid}").json
    assert failed["status"] == "failed" and failed["active_elements"] == ["notify", "route"], failed
    (incident,) = api.get("/incidents", query_string={"instance_id": iid}).json["items"]
    assert incident["element_id"] == "route" and "unknown variable 'amount'" in incident["message"], incident

    retried = api.post(f"/incidents/{incident['id']}/retry", json={"variables": {"amount": 9000}})
    assert retried.status_code == 200, retried.json
    assert set(_open(api, iid)) == {"notify", "express", "audit"}
    assert api.get(f"/instances/{iid}").json["active_elements"] == ["notify", "express", "audit"]
