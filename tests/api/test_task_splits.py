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
