"""Who reads which instance: operators and admins all; a user those they started or have (had) a
task in. Any other instance answers 404, as another tenant's does, through every instance door."""

import pytest

from tests.scenarios.flow import deploy

INSTANCE_DOORS = ("", "/history", "/sla", "/signatures")


@pytest.fixture
def leave(admin, as_user):
    """Emma's leave request (with its reason), waiting for the managers; Carl is a colleague."""
    deploy(admin, "leave_request.bpmn")
    emma, carl = as_user("emma"), as_user("carl")
    variables = {"days": 2, "leave_type": "annual", "reason": "hospital appointment"}
    started = emma.post("/process-definitions/leave_request/instances", json={"variables": variables})
    assert started.status_code == 201, started.json
    carl.post("/process-definitions/leave_request/instances", json={"variables": {"days": 1}})
    return started.json["id"], emma, carl


def test_a_colleague_neither_lists_nor_reads_someone_elses_instance(leave):
    iid, _, carl = leave
    listed = carl.get("/instances").json
    assert iid not in [i["id"] for i in listed["items"]] and listed["total"] == 1
    for door in INSTANCE_DOORS:
        response = carl.get(f"/instances/{iid}{door}")
        assert response.status_code == 404, door
        assert "hospital" not in response.get_data(as_text=True)
    assert carl.get(f"/work-orders/{iid}").status_code == 404
    assert iid not in [item["instance_id"] for item in carl.get("/sla").json["open"]]


def test_the_starter_and_the_managers_read_it_before_and_after_their_task(leave, as_user):
    iid, emma, _ = leave
    mona = as_user("mona", groups=["managers"])
    assert [i["id"] for i in emma.get("/instances").json["items"]] == [iid]
    assert len(mona.get("/instances").json["items"]) == 2  # Carl's waits for the managers too
    for reader in (emma, mona):
        assert reader.get(f"/instances/{iid}").json["variables"]["reason"] == "hospital appointment"
        assert reader.get(f"/instances/{iid}/history").status_code == 200
    task = mona.get(f"/instances/{iid}").json["tasks"][0]
    done = mona.post(f"/tasks/{task['id']}/complete", json={"variables": {"decision": "approve"}})
    assert done.status_code == 200
    assert mona.get(f"/instances/{iid}").status_code == 200  # she had a task in it


@pytest.mark.parametrize("roles", ["operator", "admin"])
def test_operators_and_admins_read_every_instance(leave, as_user, roles):
    iid, _, _ = leave
    reader = as_user("ops", roles=roles, admin=roles == "admin")
    assert reader.get("/instances").json["total"] == 2
    assert reader.get(f"/instances/{iid}").status_code == 200
    assert len(reader.get("/sla").json["open"]) == 2


def test_paging_a_users_instances_counts_only_theirs(leave):
    _, emma, _ = leave
    for _ in range(2):
        emma.post("/process-definitions/leave_request/instances", json={"variables": {"days": 1}})
    page = emma.get("/instances?limit=2").json
    assert (len(page["items"]), page["total"]) == (2, 3)
    past = emma.get("/instances?limit=2&offset=5").json
    assert (past["items"], past["total"]) == ([], 3)
