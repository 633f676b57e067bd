"""Leave request: the manager decides; over ten days HR decides too."""

import pytest

from tests.scenarios.flow import complete, deploy, ended, open_tasks, start


@pytest.fixture
def leave(admin):
    deploy(admin, "leave_request.bpmn")
    return admin


def test_a_short_leave_needs_only_the_manager(leave):
    iid = start(leave, "leave_request", days=3, leave_type="annual")
    complete(leave, iid, "Task_manager_review", decision="approve")
    complete(leave, iid, "Task_record")
    ended(leave, iid, "End_approved", "approved")


def test_a_long_leave_also_needs_hr(leave):
    iid = start(leave, "leave_request", days=15, leave_type="unpaid")
    complete(leave, iid, "Task_manager_review", decision="approve")
    assert [t["element_id"] for t in open_tasks(leave, iid)] == ["Task_hr_review"]
    complete(leave, iid, "Task_hr_review", decision="approve")
    complete(leave, iid, "Task_record")
    ended(leave, iid, "End_approved", "approved")


def test_the_manager_rejects(leave):
    iid = start(leave, "leave_request", days=3)
    complete(leave, iid, "Task_manager_review", decision="reject", reason="team short-staffed")
    ended(leave, iid, "End_rejected", "rejected")


def test_hr_rejects_a_long_leave(leave):
    iid = start(leave, "leave_request", days=20)
    complete(leave, iid, "Task_manager_review", decision="approve")
    complete(leave, iid, "Task_hr_review", decision="reject", reason="over the allowance")
    ended(leave, iid, "End_rejected", "rejected")


def test_instances_are_filtered_by_outcome(leave):
    yes, no = start(leave, "leave_request", days=1), start(leave, "leave_request", days=1)
    complete(leave, yes, "Task_manager_review", decision="approve")
    complete(leave, yes, "Task_record")
    complete(leave, no, "Task_manager_review", decision="reject", reason="clash")
    rejected = leave.get("/instances?outcome=rejected").json
    assert [i["id"] for i in rejected["items"]] == [no] and rejected["total"] == 1


def test_the_next_task_is_offered_only_to_whom_it_belongs(leave, as_user):
    iid = start(leave, "leave_request", days=15, leave_type="unpaid")
    manager = as_user("mona", groups=["managers"])
    task = open_tasks(leave, iid)[0]
    done = manager.post(f"/tasks/{task['id']}/complete", json={"variables": {"decision": "approve"}}).json
    assert done["status"] == "completed" and done["instance"] == {"id": iid, "status": "waiting"}
    assert done["next_tasks"] == []  # HR review waits, but for hr: not for the manager
    hr = as_user("hank", groups=["hr"])
    hr_task = open_tasks(hr, iid)[0]
    done = hr.post(f"/tasks/{hr_task['id']}/complete", json={"variables": {"decision": "approve"}}).json
    assert [t["element_id"] for t in done["next_tasks"]] == ["Task_record"]
