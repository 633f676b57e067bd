"""A non-interrupting boundary event keeps listening while its activity runs, as in Camunda: each
message it catches starts its path again; once the activity completes, it listens no more. An
interrupting one goes on with what its activity's finished parts had set."""

from tests.conftest import DATA
from tests.due_jobs import claimed

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


def test_a_deadline_interrupting_a_stage_goes_on_with_what_the_stage_had_set_but_not_its_locals(admin):
    """As in Camunda, what a task inside an embedded subprocess sets is the process's at once; the
    deadline's path went on with the variables from before the stage (`checked` gone, though the
    instance had shown it). The stage's input mappings stay its own: `n` is the process's again."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models import Job
    from app.services import job_runs

    assert admin.deploy(DATA / "events" / "stage_deadline.bpmn").status_code == 201
    iid = admin.post("/process-definitions/stage_deadline/instances", json={"variables": {"n": 1}}).json["id"]
    first = admin.get(f"/tasks?instance_id={iid}").json["items"][0]
    assert (
        admin.post(f"/tasks/{first['id']}/complete", json={"variables": {"checked": True}}).status_code == 200
    )
    timer = db.session.execute(select(Job).where(Job.instance_id == iid, Job.kind == "timer")).scalar_one()
    assert job_runs.run_job(claimed(timer).id) == "fired"  # what the beat sweep does when it falls due
    assert _open(admin, iid) == ["late"]
    assert admin.get(f"/instances/{iid}").json["variables"] == {"checked": True, "n": 1}
