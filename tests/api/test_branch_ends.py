"""Parallel and inclusive branches that end at their own end events, with no join: what a branch
set stays a process variable (as in Camunda), while the other branches run and once all have
ended, whatever the other branches do. Every request loads the instance from its saved state."""

import pytest

from app.extensions import db
from app.models import InstanceState
from app.models.jobs import Job
from app.services import job_runs
from tests.conftest import DATA
from tests.due_jobs import claimed

MODELS = DATA / "branch_ends"


@pytest.fixture
def api(admin):
    for model in sorted(MODELS.glob("*.bpmn")):
        deployed = admin.deploy(model)
        assert deployed.status_code == 201, deployed.json
    return admin


def _start(api, key, **variables) -> str:
    started = api.post(f"/process-definitions/{key}/instances", json={"variables": variables})
    assert started.status_code == 201, started.json
    return started.json["id"]


def _open(api, iid) -> dict:
    return {t["element_id"]: t["id"] for t in api.get(f"/tasks?instance_id={iid}").json["items"]}


def _complete(api, task_id, **variables):
    done = api.post(f"/tasks/{task_id}/complete", json={"variables": variables})
    assert done.status_code == 200, done.json


def _instance(api, iid) -> dict:
    return api.get(f"/instances/{iid}").json


@pytest.mark.parametrize(
    ("key", "variables"), [("parallel_ends", {}), ("inclusive_ends", {"go_a": True, "go_b": True})]
)
def test_a_branch_that_ended_keeps_its_variables_while_another_runs_and_after(api, key, variables):
    iid = _start(api, key, **variables)
    running = _instance(api, iid)
    assert running["status"] == "waiting" and running["variables"]["a_done"] is True
    _complete(api, _open(api, iid)["b"], note="seen")
    done = _instance(api, iid)
    assert done["status"] == "completed"
    assert done["variables"]["a_done"] is True and done["variables"]["note"] == "seen"


def test_the_waiting_branchs_form_sees_what_an_ended_branch_set(api):
    iid = _start(api, "parallel_ends")
    form = api.get(f"/tasks/{_open(api, iid)['b']}/form").json
    assert form["values"]["a_done"] is True


def test_an_ended_branchs_variables_survive_when_the_work_left_moves_away_from_it(api):
    # When B1 ends, the only open work is under B's own split: A's branch leaves the saved state.
    iid = _start(api, "nested_ends")
    _complete(api, _open(api, iid)["b1"], shared="from b1")
    running = _instance(api, iid)["variables"]
    assert running["a_done"] is True and running["shared"] == "from b1"
    assert api.get(f"/tasks/{_open(api, iid)['b2']}/form").json["values"]["a_done"] is True
    _complete(api, _open(api, iid)["b2"], note="last")
    done = _instance(api, iid)
    assert done["status"] == "completed"
    # What a later branch set overrides an earlier one; what no later branch changed is kept.
    assert done["variables"] == {"a_done": True, "shared": "from b1", "note": "last"}


def test_a_later_branch_overrides_what_an_earlier_ended_branch_set(api):
    iid = _start(api, "nested_ends")
    _complete(api, _open(api, iid)["b1"])
    _complete(api, _open(api, iid)["b2"], shared="from b2")
    assert _instance(api, iid)["variables"]["shared"] == "from b2"


def test_a_branch_that_ended_inside_a_sub_process_keeps_its_variables(api):
    iid = _start(api, "subprocess_ends")
    assert _instance(api, iid)["variables"]["a_done"] is True
    assert api.get(f"/tasks/{_open(api, iid)['b']}/form").json["values"]["a_done"] is True
    _complete(api, _open(api, iid)["b"], note="in sub")
    after = _open(api, iid)["after"]
    assert api.get(f"/tasks/{after}/form").json["values"] == {"a_done": True, "note": "in sub"}
    _complete(api, after)
    done = _instance(api, iid)
    assert done["status"] == "completed" and done["variables"] == {"a_done": True, "note": "in sub"}


def test_a_handler_called_after_a_branch_ended_gets_what_that_branch_set(api, db_session):
    iid = _start(api, "service_ends")
    _complete(api, _open(api, iid)["b"], note="to echo")
    job = db_session.query(Job).filter_by(instance_id=iid, element_id="call").one()
    assert job.payload["variables"] == {"a_done": True, "note": "to echo"}
    assert job_runs.run_job(job.id) == "done"
    done = _instance(api, iid)
    assert done["status"] == "completed" and done["variables"]["a_done"] is True
    assert done["variables"]["echo"] == {"a_done": True, "note": "to echo"}


def test_a_value_a_running_branch_only_carried_from_the_split_does_not_hide_an_ended_branchs(api):
    iid = _start(api, "nested_ends", shared="at start")
    assert _instance(api, iid)["variables"]["shared"] == "from a"
    _complete(api, _open(api, iid)["b1"])
    assert _instance(api, iid)["variables"]["shared"] == "from a"
    _complete(api, _open(api, iid)["b2"])
    assert _instance(api, iid)["variables"]["shared"] == "from a"


def test_the_saved_state_does_not_grow_while_a_branch_loops_after_another_ended(api):
    # The end where A waits for B pinned the live tree to the split: every turn of B was kept.
    iid = _start(api, "loop_ends")
    sizes = []
    for turn in range(30):
        _complete(api, _open(api, iid)["b"], again=True, turn=turn)
        sizes.append(db.session.get(InstanceState, iid).size_bytes)
    assert max(sizes) - min(sizes) < 100, sizes  # (timestamps and the turn number vary a little)
    _complete(api, _open(api, iid)["b"], again=False)
    done = _instance(api, iid)
    assert done["status"] == "completed"
    assert done["variables"] == {"a_done": True, "again": False, "turn": 29}


def test_a_retried_handler_gets_what_an_ended_branch_set_as_its_first_run_did(api, db_session):
    iid = _start(api, "service_retry_ends", topic="no.such.handler")
    _complete(api, _open(api, iid)["b"], note="to echo")
    job = db_session.query(Job).filter_by(instance_id=iid, element_id="call").one()
    assert job.payload["variables"]["a_done"] is True  # the first run's
    for _ in range(10):  # each attempt once the sweep claims it again, after its backoff
        if job_runs.run_job(claimed(job).id) == "incident":
            break
    incident = api.get(f"/incidents?instance_id={iid}").json["items"][0]
    retried = api.post(f"/incidents/{incident['id']}/retry", json={"variables": {"topic": "baton.echo"}})
    assert retried.status_code == 200, retried.json
    assert job_runs.run_job(job.id) == "done"
    done = _instance(api, iid)
    assert done["status"] == "completed" and done["variables"]["a_done"] is True
    assert done["variables"]["echo"] == {"a_done": True, "note": "to echo", "topic": "baton.echo"}


def test_a_terminate_end_in_a_later_branch_keeps_what_an_ended_branch_set(api):
    iid = _start(api, "terminate_ends")
    _complete(api, _open(api, iid)["b"], note="last")
    done = _instance(api, iid)
    assert done["status"] == "completed"
    assert done["variables"] == {"a_done": True, "note": "last"}


def test_a_gateway_and_a_script_in_a_running_branch_see_what_an_ended_branch_set(api):
    iid = _start(api, "decide_ends", shared="at start", add=False)
    _complete(api, _open(api, iid)["b"], again=False)
    assert list(_open(api, iid)) == ["saw_a"]  # the gateway saw a_done
    seen = _instance(api, iid)["variables"]
    assert seen["seen_shared"] == "from a" and seen["count"] == 1  # and so did the script
    assert seen["a_done"] is True and seen["items"] == [1]


def test_what_a_running_branch_changed_since_the_split_hides_an_ended_branchs_value_from_it(api):
    iid = _start(api, "decide_ends", shared="at start", add=True)
    _complete(api, _open(api, iid)["b"], again=False, shared="from b")
    seen = _instance(api, iid)["variables"]
    assert seen["seen_shared"] == "from b"
    assert seen["items"] == [1, 2]  # a script that changes an ended branch's value keeps its change
    _complete(api, _open(api, iid)["saw_a"])
    done = _instance(api, iid)["variables"]
    assert done["shared"] == "from b" and done["items"] == [1, 2] and done["a_done"] is True


def test_the_saved_state_does_not_grow_while_a_branch_decides_on_an_ended_branchs_values(api):
    iid = _start(api, "decide_ends", shared="at start", add=False)
    sizes = []
    for turn in range(30):
        _complete(api, _open(api, iid)["b"], again=True, turn=turn)
        sizes.append(db.session.get(InstanceState, iid).size_bytes)
    assert max(sizes) - min(sizes) < 100, sizes
    _complete(api, _open(api, iid)["b"], again=False)
    _complete(api, _open(api, iid)["saw_a"])
    done = _instance(api, iid)
    assert done["status"] == "completed" and done["variables"]["items"] == [1]
