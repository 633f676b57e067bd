"""An event-based gateway waits for whichever of its events comes first, as Camunda runs it: a
message after it is correlated like any catch event, its timer is a timer row, and the path of the
event that came is taken while the other wait ends. (Packing runs beside the wait, so the passed
gateway stays in the saved state.)"""

import pytest
from sqlalchemy import select

from app.models.jobs import Job
from app.services import job_runs
from tests.conftest import DATA
from tests.due_jobs import claimed

MODEL = DATA / "events" / "payment_or_timeout.bpmn"


@pytest.fixture
def started(admin):
    assert admin.deploy(MODEL).status_code == 201
    variables = {"variables": {"order": "A-1"}}
    made = admin.post("/process-definitions/payment_or_timeout/instances", json=variables)
    assert made.status_code == 201, made.json
    return admin, made.json["id"]


def _timers(db_session, instance_id) -> list[Job]:
    return list(db_session.execute(select(Job).where(Job.instance_id == instance_id)).scalars())


def _open_elements(api, instance_id) -> list[str]:
    return [t["element_id"] for t in api.get(f"/tasks?instance_id={instance_id}").json["items"]]


def test_a_message_after_an_event_gateway_takes_its_path_and_ends_the_timer(started, db_session):
    api, iid = started
    delivered = api.post("/messages", json={"name": "payment_received", "variables": {"paid": 99.5}})
    assert delivered.status_code == 200, delivered.json
    assert delivered.json["delivered_to"] == [iid]
    assert _open_elements(api, iid) == ["pack", "ship"]
    assert api.get(f"/instances/{iid}").json["variables"] == {"order": "A-1", "paid": 99.5}
    assert _timers(db_session, iid) == []


def test_the_timer_after_an_event_gateway_fires_and_the_message_is_no_longer_awaited(started, db_session):
    api, iid = started
    [timer] = _timers(db_session, iid)
    assert timer.element_id == "timed_out"
    assert job_runs.run_job(claimed(timer).id) == "fired"
    assert _open_elements(api, iid) == ["pack", "remind"]
    late = api.post("/messages", json={"name": "payment_received"})
    assert late.status_code == 404, late.json
