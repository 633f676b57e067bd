"""Master and linked work orders over HTTP: DAG check, start order, progress, critical path, master close."""

import pytest

from tests.due_jobs import claimed
from tests.scenarios.flow import complete, deploy, instance, start


@pytest.fixture
def master(admin):
    deploy(admin, "work_order_master.bpmn", "leave_request.bpmn")
    iid = start(admin, "work_order_master", business_key="SHUTDOWN-7")
    complete(admin, iid, "Task_plan")
    return iid


def _order(ref, hours, *deps):
    # Any process can be a linked order; leave_request is short: manager review, then record.
    return {
        "ref": ref,
        "definition_key": "leave_request",
        "title": ref,
        "estimated_hours": hours,
        "variables": {"days": 1},
        "depends_on": list(deps),
    }


def _finish(api, iid):
    complete(api, iid, "Task_manager_review", decision="approve")
    complete(api, iid, "Task_record")


def test_a_cycle_is_refused(admin, master):
    cyclic = [_order("a", 1, "c"), _order("b", 1, "a"), _order("c", 1, "b")]
    refused = admin.post(f"/work-orders/{master}/links", json={"orders": cyclic})
    assert refused.status_code == 400 and "cycle" in refused.json["message"]
    assert admin.get(f"/work-orders/{master}").json["total"] == 0


def test_orders_start_when_their_dependencies_close_and_the_master_closes_last(admin, master):
    made = admin.post(
        f"/work-orders/{master}/links",
        json={
            "orders": [
                _order("isolate", 2),
                _order("repair", 8, "isolate"),
                _order("permit", 1),
                _order("test", 3, "repair", "permit"),
            ]
        },
    )
    assert made.status_code == 201, made.json
    ids = {o["title"]: o for o in made.json["items"]}
    progress = admin.get(f"/work-orders/{master}").json
    assert sorted(progress["waiting"]) == sorted([ids["repair"]["id"], ids["test"]["id"]])
    assert progress["critical_path"]["hours"] == 13
    assert progress["critical_path"]["orders"] == [ids[t]["id"] for t in ("isolate", "repair", "test")]
    by_title = {o["title"]: o for o in progress["orders"]}
    assert by_title["isolate"]["status"] == "open" and by_title["repair"]["status"] == "waiting"
    child = by_title["isolate"]["instance_id"]
    assert instance(admin, child)["active_elements"] == ["Task_manager_review"]
    _finish(admin, child)
    progress = admin.get(f"/work-orders/{master}").json
    assert progress["percent_complete"] == 25.0
    by_title = {o["title"]: o for o in progress["orders"]}
    assert by_title["repair"]["status"] == "open"
    for title in ("repair", "permit"):
        _finish(admin, by_title[title]["instance_id"])
    progress = admin.get(f"/work-orders/{master}").json
    last = {o["title"]: o for o in progress["orders"]}["test"]
    assert last["status"] == "open" and instance(admin, master)["status"] == "waiting"
    _finish(admin, last["instance_id"])
    assert admin.get(f"/work-orders/{master}").json["percent_complete"] == 100.0
    closed = instance(admin, master)
    assert closed["status"] == "completed" and closed["outcome"] == "closed"


def test_a_blocked_work_order_shows_as_blocked_in_the_master(admin, as_user, master):
    deploy(admin, "regulatory_work_order.bpmn")
    order = {
        "ref": "wo",
        "definition_key": "regulatory_work_order",
        "title": "Calibrate",
        "estimated_hours": 4,
        "variables": {"title": "Calibrate"},
        "depends_on": [],
    }
    made = admin.post(f"/work-orders/{master}/links", json={"orders": [order]})
    child = admin.get(f"/work-orders/{master}").json["orders"][0]["instance_id"]
    assert admin.get(f"/work-orders/{master}").json["orders"][0]["lifecycle"] == "draft"
    complete(admin, child, "Task_draft")
    supervisor = as_user("sue", groups=["supervisors"])  # four eyes: not who raised and drafted it
    complete(supervisor, child, "Task_approve_order", decision="approve")
    complete(admin, child, "Task_assign", technician="admin")
    complete(admin, child, "Task_work", blocked=True)
    progress = admin.get(f"/work-orders/{master}").json
    assert progress["blocked"] == [made.json["items"][0]["id"]]


def test_preventive_maintenance_batches_are_started_by_a_cycle_timer(admin):
    from sqlalchemy import select

    from app.extensions import db
    from app.models import Job
    from app.services import job_runs

    deploy(admin, "preventive_maintenance.bpmn")
    timer = db.session.execute(select(Job).where(Job.kind == "start_timer")).scalar_one()
    assert job_runs.run_job(claimed(timer).id) == "started"
    batches = admin.get("/instances?key=preventive_maintenance").json["items"]
    assert len(batches) == 1
    tasks = admin.get(f"/tasks?instance_id={batches[0]['id']}").json["items"]
    assert len(tasks) == 3 and {t["element_id"] for t in tasks} == {"Task_maintain"}
    assert db.session.execute(select(Job).where(Job.kind == "start_timer")).scalar_one().status == "pending"


def test_a_master_planned_after_its_orders_closed_closes_when_it_gets_to_wait(admin):
    """The orders are linked and done while the master's planning task is still open: the message
    that all are closed finds no one waiting then, and must not be lost."""
    deploy(admin, "work_order_master.bpmn", "leave_request.bpmn")
    master = start(admin, "work_order_master", business_key="SHUTDOWN-8")
    made = admin.post(f"/work-orders/{master}/links", json={"orders": [_order("only", 1)]})
    assert made.status_code == 201, made.json
    _finish(admin, admin.get(f"/work-orders/{master}").json["orders"][0]["instance_id"])
    assert instance(admin, master)["status"] == "waiting"
    complete(admin, master, "Task_plan")
    closed = instance(admin, master)
    assert closed["status"] == "completed" and closed["outcome"] == "closed"


def test_a_master_without_orders_waits_for_some(admin, master):
    assert instance(admin, master)["active_elements"] == ["Catch_all_closed"]


def test_linking_under_a_master_the_caller_may_not_read_is_a_404_and_writes_nothing(admin, as_user, master):
    outsider = as_user("olly")
    refused = outsider.post(f"/work-orders/{master}/links", json={"orders": [_order("x", 1)]})
    assert refused.status_code == 404 and master in refused.json["message"]
    assert admin.get(f"/work-orders/{master}").json["total"] == 0
    assert admin.get("/instances?key=leave_request").json["total"] == 0


def test_linking_needs_the_start_permission_even_for_who_reads_every_master(as_user, master):
    operator = as_user("opal", roles="operator")  # reads every instance, starts nothing
    refused = operator.post(f"/work-orders/{master}/links", json={"orders": [_order("x", 1)]})
    assert refused.status_code == 403 and refused.json["details"]["permission"] == "start"


def test_whoever_started_the_master_links_orders_under_it(admin, as_user):
    deploy(admin, "work_order_master.bpmn", "leave_request.bpmn")
    planner = as_user("pia")
    master = start(planner, "work_order_master", business_key="SHUTDOWN-9")
    made = planner.post(f"/work-orders/{master}/links", json={"orders": [_order("x", 1)]})
    assert made.status_code == 201, made.json


def _end(admin, master, state):
    if state == "completed":
        admin.post(f"/work-orders/{master}/links", json={"orders": [_order("only", 1)]})
        _finish(admin, admin.get(f"/work-orders/{master}").json["orders"][0]["instance_id"])
    elif state == "cancelled":
        admin.post(f"/instances/{master}/cancel", json={"reason": "called off"})
    else:
        admin.post(f"/instances/{master}/suspend")
    assert instance(admin, master)["status"] == state


@pytest.mark.parametrize("state", ["completed", "cancelled", "suspended"])
def test_linking_under_a_master_that_is_not_running_is_a_409_naming_its_state(admin, master, state):
    _end(admin, master, state)
    before = admin.get(f"/work-orders/{master}").json["total"]
    started = admin.get("/instances?key=leave_request").json["total"]
    refused = admin.post(f"/work-orders/{master}/links", json={"orders": [_order("late", 1)]})
    assert refused.status_code == 409, refused.json
    assert state in refused.json["message"] and refused.json["details"]["status"] == state
    assert admin.get(f"/work-orders/{master}").json["total"] == before
    assert admin.get("/instances?key=leave_request").json["total"] == started


def test_cancelling_a_master_cancels_its_open_orders_and_withdraws_the_waiting_ones(admin, master):
    """As Camunda 7 cancels the instances a cancelled one called: no order runs on, nor starts, under
    a master that was cancelled."""
    made = admin.post(f"/work-orders/{master}/links", json={"orders": [_order("a", 1), _order("b", 1, "a")]})
    assert made.status_code == 201, made.json
    child = admin.get(f"/work-orders/{master}").json["orders"][0]["instance_id"]
    cancelled = admin.post(f"/instances/{master}/cancel", json={"reason": "shutdown called off"})
    assert cancelled.status_code == 200, cancelled.json

    assert instance(admin, child)["status"] == "cancelled"
    progress = admin.get(f"/work-orders/{master}").json
    assert [(o["title"], o["status"], o["lifecycle"]) for o in progress["orders"]] == [
        ("a", "cancelled", "cancelled"),  # (a cancelled order is not done: not "closed")
        ("b", "cancelled", "cancelled"),
    ]
    assert progress["waiting"] == [] and progress["orders"][1]["instance_id"] is None
    assert progress["withdrawn"] == [progress["orders"][1]["id"]]
    assert master in progress["orders"][1]["withdrawn_reason"]
    assert admin.get("/instances?key=leave_request").json["total"] == 1  # b never started
    entry = admin.get(f"/audit?action=instance.cancel&object_id={child}").json["items"][0]
    assert master in entry["reason"] and "shutdown called off" in entry["reason"]


def test_each_linked_order_start_is_audited_naming_who_or_what_started_it(admin, master):
    admin.post(f"/work-orders/{master}/links", json={"orders": [_order("a", 1), _order("b", 1, "a")]})
    first = admin.get(f"/work-orders/{master}").json["orders"][0]["instance_id"]
    _finish(admin, first)
    second = admin.get(f"/work-orders/{master}").json["orders"][1]["instance_id"]
    entries = admin.get("/audit?action=instance.start&object_type=instance").json["items"]
    starts = {e["object_id"]: e for e in entries}
    assert starts[first]["actor"] == "admin"  # linked by admin, started at once
    assert starts[second]["actor"] == "system"  # started when the order it waited for closed
    for child in (first, second):
        after = starts[child]["after"]
        assert after["master"] == master and after["definition_key"] == "leave_request", after
        assert after["variables"] == {"days": 1}


def _suspend_audits(admin, child, action):
    return admin.get(f"/audit?action={action}&object_id={child}").json["items"]


def test_suspending_a_master_suspends_its_running_orders_and_resuming_resumes_only_those(admin, master):
    """As Camunda 7 suspends a process instance's sub-process instances with it: an order suspended on
    its own before stays suspended when the master is resumed."""
    made = admin.post(f"/work-orders/{master}/links", json={"orders": [_order("a", 1), _order("b", 1)]})
    assert made.status_code == 201, made.json
    a, b = (o["instance_id"] for o in admin.get(f"/work-orders/{master}").json["orders"])
    assert admin.post(f"/instances/{b}/suspend").status_code == 200  # on its own, before
    assert admin.post(f"/instances/{master}/suspend").status_code == 200
    assert instance(admin, a)["status"] == "suspended" and instance(admin, b)["status"] == "suspended"
    entry = _suspend_audits(admin, a, "instance.suspend")[0]
    assert master in entry["reason"]

    assert admin.post(f"/instances/{master}/resume").status_code == 200
    assert instance(admin, a)["status"] == "waiting"
    assert instance(admin, b)["status"] == "suspended"  # not the master's to resume
    entry = _suspend_audits(admin, a, "instance.resume")[0]
    assert master in entry["reason"]
    assert len(_suspend_audits(admin, b, "instance.resume")) == 0


def test_no_waiting_order_starts_while_its_master_is_suspended(admin, master):
    """An order that closes while the master is suspended leaves its dependents waiting; they start
    when the master is resumed, and the master closes then if all are closed."""
    made = admin.post(f"/work-orders/{master}/links", json={"orders": [_order("a", 1), _order("b", 1, "a")]})
    assert made.status_code == 201, made.json
    a = admin.get(f"/work-orders/{master}").json["orders"][0]["instance_id"]
    assert admin.post(f"/instances/{master}/suspend").status_code == 200
    assert admin.post(f"/instances/{a}/resume").status_code == 200  # someone finishes a meanwhile
    _finish(admin, a)
    progress = admin.get(f"/work-orders/{master}").json
    assert [o["status"] for o in progress["orders"]] == ["closed", "waiting"]
    assert admin.get("/instances?key=leave_request").json["total"] == 1

    assert admin.post(f"/instances/{master}/resume").status_code == 200
    b = admin.get(f"/work-orders/{master}").json["orders"][1]
    assert b["status"] == "open" and instance(admin, b["instance_id"])["status"] == "waiting"
    _finish(admin, b["instance_id"])
    assert instance(admin, master)["status"] == "completed"


def test_a_master_whose_last_order_closed_while_it_was_suspended_closes_when_resumed(admin, master):
    admin.post(f"/work-orders/{master}/links", json={"orders": [_order("a", 1)]})
    a = admin.get(f"/work-orders/{master}").json["orders"][0]["instance_id"]
    admin.post(f"/instances/{master}/suspend")
    admin.post(f"/instances/{a}/resume")
    _finish(admin, a)
    assert instance(admin, master)["status"] == "suspended"
    assert admin.post(f"/instances/{master}/resume").status_code == 200
    closed = instance(admin, master)
    assert closed["status"] == "completed" and closed["outcome"] == "closed"


def test_an_order_cancelled_while_its_master_is_suspended_withdraws_its_dependents_on_resume(admin, master):
    """Resuming settles what changed meanwhile as a closing order does: a dependent of an order
    cancelled while the master was suspended is withdrawn (not left waiting), and the master closes."""
    made = admin.post(f"/work-orders/{master}/links", json={"orders": [_order("a", 1), _order("b", 1, "a")]})
    assert made.status_code == 201, made.json
    a = admin.get(f"/work-orders/{master}").json["orders"][0]["instance_id"]
    assert admin.post(f"/instances/{master}/suspend").status_code == 200
    assert admin.post(f"/instances/{a}/cancel", json={"reason": "wrong asset"}).status_code == 200
    assert [o["status"] for o in admin.get(f"/work-orders/{master}").json["orders"]] == [
        "cancelled",
        "waiting",
    ]

    assert admin.post(f"/instances/{master}/resume").status_code == 200
    progress = admin.get(f"/work-orders/{master}").json
    assert [o["status"] for o in progress["orders"]] == ["cancelled", "cancelled"]
    assert progress["withdrawn"] == [progress["orders"][1]["id"]]
    assert instance(admin, master)["status"] == "completed"


def test_the_dependents_of_a_cancelled_order_are_withdrawn_not_started(admin, master):
    """Work that depended on cancelled work must not start by itself (a regulated plant): its
    dependents, and theirs, are withdrawn with the reason; the master closes when the rest is done,
    and is not 100 % complete."""
    orders = [_order("a", 1), _order("b", 1, "a"), _order("c", 1, "b"), _order("d", 1)]
    made = admin.post(f"/work-orders/{master}/links", json={"orders": orders})
    assert made.status_code == 201, made.json
    ids = {o["title"]: o["id"] for o in made.json["items"]}
    by_title = {o["title"]: o for o in admin.get(f"/work-orders/{master}").json["orders"]}
    a = by_title["a"]["instance_id"]
    cancelled = admin.post(f"/instances/{a}/cancel", json={"reason": "wrong asset"})
    assert cancelled.status_code == 200, cancelled.json

    progress = admin.get(f"/work-orders/{master}").json
    by_title = {o["title"]: o for o in progress["orders"]}
    assert [by_title[t]["status"] for t in "abcd"] == ["cancelled", "cancelled", "cancelled", "open"]
    assert by_title["b"]["instance_id"] is None and by_title["c"]["instance_id"] is None
    assert sorted(progress["withdrawn"]) == sorted([ids["b"], ids["c"]])
    assert ids["a"] in by_title["b"]["withdrawn_reason"] and "cancelled" in by_title["b"]["withdrawn_reason"]
    assert ids["b"] in by_title["c"]["withdrawn_reason"] and ids["a"] in by_title["c"]["withdrawn_reason"]
    assert progress["waiting"] == []
    assert admin.get("/instances?key=leave_request").json["total"] == 2  # a and d; b and c never started
    audits = admin.get(f"/audit?action=workorder.withdraw&object_id={master}").json["items"]
    assert sorted(e["after"]["link"] for e in audits) == sorted([ids["b"], ids["c"]])
    assert all(ids["a"] in e["reason"] for e in audits)

    assert instance(admin, master)["status"] == "waiting"
    _finish(admin, by_title["d"]["instance_id"])
    assert instance(admin, master)["status"] == "completed"
    assert admin.get(f"/work-orders/{master}").json["percent_complete"] == 25.0


def test_an_order_linked_on_a_cancelled_order_is_withdrawn_at_once(admin, master):
    made = admin.post(f"/work-orders/{master}/links", json={"orders": [_order("a", 1), _order("b", 1)]})
    a_id = made.json["items"][0]["id"]
    a = admin.get(f"/work-orders/{master}").json["orders"][0]["instance_id"]
    admin.post(f"/instances/{a}/cancel", json={"reason": "wrong asset"})
    late = admin.post(f"/work-orders/{master}/links", json={"orders": [_order("late", 1, a_id)]})
    assert late.status_code == 201, late.json
    progress = admin.get(f"/work-orders/{master}").json
    last = progress["orders"][-1]
    assert last["status"] == "cancelled" and last["instance_id"] is None
    assert a_id in last["withdrawn_reason"] and progress["withdrawn"] == [last["id"]]
    assert admin.get("/instances?key=leave_request").json["total"] == 2


def _waiting_on_a(master_api, master, definition_key):
    """Link `a` (starts now) and `b` of `definition_key` (waits for a)."""
    orders = [_order("a", 1), {**_order("b", 1, "a"), "definition_key": definition_key}]
    return master_api.post(f"/work-orders/{master}/links", json={"orders": orders})


def test_an_order_the_linker_may_not_start_is_refused_even_when_it_would_wait(admin, as_user):
    """A user who may not start a process must not get it started by linking it behind another order."""
    from tests.conftest import DATA

    deploy(admin, "work_order_master.bpmn", "leave_request.bpmn")
    admin.deploy(DATA / "security" / "restricted_start.bpmn")  # planners and carol only
    planner = as_user("pia")
    master = start(planner, "work_order_master", business_key="SHUTDOWN-10")
    refused = _waiting_on_a(planner, master, "restricted_start")
    assert refused.status_code == 403, refused.json
    assert "restricted_start" in refused.json["message"]
    assert admin.get(f"/work-orders/{master}").json["total"] == 0  # nothing linked, nothing started
    assert admin.get("/instances?key=leave_request").json["total"] == 0


def test_an_order_of_a_process_that_does_not_exist_is_a_400_naming_it_when_linked(admin, master):
    refused = _waiting_on_a(admin, master, "no_such_process")
    assert refused.status_code == 400, refused.json
    assert "no_such_process" in refused.json["message"] and refused.json["details"]["ref"] == "b"
    assert refused.json["details"]["field"] == "definition_key"
    assert admin.get(f"/work-orders/{master}").json["total"] == 0


def test_a_waiting_order_whose_process_was_deprecated_is_withdrawn_and_its_prerequisite_closes(admin, master):
    """The order it waited for completes as usual: a process deprecated since the linking is no reason
    to refuse someone's completion of another order's task. The order that cannot start is withdrawn,
    saying why, and the master closes."""
    from tests.conftest import DATA

    admin.deploy(DATA / "simple" / "two_steps.bpmn")
    assert _waiting_on_a(admin, master, "two_steps").status_code == 201
    deprecated = admin.post("/process-definitions/two_steps/status", json={"status": "deprecated"})
    assert deprecated.status_code == 200, deprecated.json
    _finish(admin, admin.get(f"/work-orders/{master}").json["orders"][0]["instance_id"])
    orders = admin.get(f"/work-orders/{master}").json["orders"]
    assert [(o["title"], o["status"]) for o in orders] == [("a", "closed"), ("b", "cancelled")]
    assert orders[1]["instance_id"] is None and "two_steps" in orders[1]["withdrawn_reason"]
    assert instance(admin, master)["status"] == "completed"


def test_an_orders_variables_are_checked_against_its_start_form_when_linked(admin, master):
    """A linked order is a start: its variables pass the process's start form (regulatory_work_order:
    a required title, whole estimated hours) as a start over REST does, converted, or nothing is
    linked."""
    deploy(admin, "regulatory_work_order.bpmn")
    order = {"ref": "calibrate", "definition_key": "regulatory_work_order", "title": "Calibrate"}
    bad = {**order, "variables": {"estimated_hours": "lots"}}
    refused = admin.post(f"/work-orders/{master}/links", json={"orders": [bad]})
    assert refused.status_code == 400, refused.json
    assert set(refused.json["details"]["fields"]) == {"title", "estimated_hours"}
    assert refused.json["details"]["ref"] == "calibrate" and "calibrate" in refused.json["message"]
    empty_name = {**order, "variables": {"": 1, "title": "Calibrate"}}
    assert admin.post(f"/work-orders/{master}/links", json={"orders": [empty_name]}).status_code == 400
    assert admin.get(f"/work-orders/{master}").json["total"] == 0
    good = {**order, "variables": {"title": "Calibrate", "estimated_hours": "4"}}
    assert admin.post(f"/work-orders/{master}/links", json={"orders": [good]}).status_code == 201
    child = admin.get(f"/work-orders/{master}").json["orders"][0]["instance_id"]
    assert instance(admin, child)["variables"]["estimated_hours"] == 4  # converted, as a start converts it


def test_a_waiting_order_is_started_as_its_linker_when_its_prerequisite_closes(admin, as_user, master):
    """Four eyes' `starter` binds whoever raised the order: a waiting order took the starter of the
    step that closed its prerequisite (or the master's), so its linker could approve it themself."""
    ada = as_user("ada", admin=True)
    linked = ada.post(f"/work-orders/{master}/links", json={"orders": [_order("a", 1), _order("b", 1, "a")]})
    assert linked.status_code == 201, linked.json
    _finish(admin, admin.get(f"/work-orders/{master}").json["orders"][0]["instance_id"])
    first, second = (o["instance_id"] for o in admin.get(f"/work-orders/{master}").json["orders"])
    assert instance(admin, first)["started_by"] == "ada"  # started at once, by ada's request
    assert instance(admin, second)["started_by"] == "ada"  # started when admin closed the first


def test_a_linked_orders_instance_names_its_master_and_a_plain_one_none(admin, master):
    # The README says an order's instance starts with parent_instance_id set; GET /instances/{id}
    # did not show it, so whoever worked on an order could not find its master.
    made = admin.post(f"/work-orders/{master}/links", json={"orders": [_order("isolate", 2)]}).json
    child = made["items"][0]["child_instance_id"]
    assert instance(admin, child)["parent_instance_id"] == master
    assert instance(admin, master)["parent_instance_id"] is None
    listed = admin.get("/instances?key=leave_request").json["items"]
    assert [i["parent_instance_id"] for i in listed] == [master]


def test_the_links_answer_names_each_order_by_the_ref_it_was_sent_with(admin, master):
    # depends_on and the progress report speak of link ids; the answer gave no way but position
    # to tell which id a ref became.
    sent = [_order("isolate", 2), _order("repair", 8, "isolate")]
    made = admin.post(f"/work-orders/{master}/links", json={"orders": sent}).json["items"]
    by_ref = {item["ref"]: item for item in made}
    assert by_ref["repair"]["depends_on"] == [by_ref["isolate"]["id"]]


def test_a_start_form_refusal_of_a_linked_order_says_it_is_about_its_variables(admin, master):
    # The order's own `title` names it in the master's report; the start form's `title` is read
    # from its variables. "order 'c': ... title: This field is required." left a linker who had
    # sent a title wondering which.
    deploy(admin, "regulatory_work_order.bpmn")
    order = {"ref": "paint", "definition_key": "regulatory_work_order", "title": "Paint"}
    refused = admin.post(f"/work-orders/{master}/links", json={"orders": [order]}).json
    assert refused["message"].startswith(
        "order 'paint': its variables (the start form of 'regulatory_work_order')"
    )
    assert "title: This field is required." in refused["message"]


def test_the_critical_path_leaves_out_cancelled_and_withdrawn_orders(admin, master):
    # It ran through every order ever linked: 12 h through a cancelled order and the two withdrawn
    # after it, none of which will be worked, where 2 h of work remained.
    orders = [_order("a", 4), _order("b", 4, "a"), _order("c", 4, "b"), _order("d", 2)]
    made = admin.post(f"/work-orders/{master}/links", json={"orders": orders}).json["items"]
    ids = {o["ref"]: o["id"] for o in made}
    a = admin.get(f"/work-orders/{master}").json["orders"][0]["instance_id"]
    assert admin.post(f"/instances/{a}/cancel", json={"reason": "wrong asset"}).status_code == 200
    path = admin.get(f"/work-orders/{master}").json["critical_path"]
    assert path == {"hours": 2.0, "orders": [ids["d"]]}
