"""A non-interrupting boundary event keeps listening while its activity runs, as in Camunda: each
message it catches starts its path again; once the activity completes, it listens no more."""

from tests.conftest import DATA

MODEL = DATA / "events" / "chase.bpmn"


def _open(api, instance_id) -> list[str]:
    return [t["element_id"] for t in api.get(f"/tasks?instance_id={instance_id}").json["items"]]


def test_a_non_interrupting_message_boundary_event_catches_every_message_while_its_task_is_open(admin):
    assert admin.deploy(MODEL).status_code == 201
    iid = admin.post("/process-definitions/chase/instances", json={}).json["id"]
    for n in (1, 2):
        sent = admin.post("/messages", json={"name": "customer_chases"})
        assert sent.status_code == 200, sent.json
        assert sorted(_open(admin, iid)) == sorted(["repair"] + ["answer"] * n)
    tasks = admin.get(f"/tasks?instance_id={iid}").json["items"]
    repair = next(t for t in tasks if t["element_id"] == "repair")
    assert admin.post(f"/tasks/{repair['id']}/complete", json={}).status_code == 200
    late = admin.post("/messages", json={"name": "customer_chases"})
    assert late.status_code == 404, late.json
    assert _open(admin, iid) == ["answer", "answer"]
