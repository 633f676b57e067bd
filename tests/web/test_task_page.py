"""The task page over HTTP: what a refused completion shows, whom a task is offered to, and what a
completion that stops the case says."""

from __future__ import annotations

import html
import json
import re

from tests.conftest import DATA, ROOT, password_of
from tests.web.test_pages import csrf_of, sign_in

SIGNED = DATA / "security" / "signed_approval.bpmn"
RELEASE = DATA / "inbox" / "signed_release.bpmn"
REWORK = DATA / "inbox" / "rework.bpmn"
INSPECTION = DATA / "inbox" / "inspection.bpmn"
VERIFY = DATA / "inbox" / "verify_loop.bpmn"


def open_task(admin, client, key: str, username: str, **user) -> tuple[str, str]:
    """(task id, its page) of a fresh instance of `key`, as `username` signed in."""
    started = admin.post(f"/process-definitions/{key}/instances", json={"business_key": f"{key}-1"}).json
    sign_in(client, username, f"pw-{username}")
    task_id = started["tasks"][0]["id"]
    return task_id, client.get(f"/tasks/{task_id}").get_data(as_text=True)


def test_every_error_of_a_sign_off_is_reported_at_once_and_what_was_typed_stays(client, admin, make_user):
    admin.deploy(RELEASE)
    make_user("quinn", groups=["QA"])
    task_id, page = open_task(admin, client, "signed_release", "quinn")
    token = csrf_of(page)

    refused = client.post(
        f"/tasks/{task_id}", data={"csrf_token": token, "batch": "", "reason": "late batch"}
    )
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    summary = re.search(r'<div class="error-summary".*?</div>', html, re.S).group(0)
    assert 'href="#field-batch">Batch number: This field is required.' in summary
    assert 'href="#decision-approve">Decision: Choose approve or reject.' in summary  # not a 2nd round trip
    assert '{"signature"' not in html  # the API's words stay in the API
    assert ">late batch</textarea>" in html

    refused = client.post(
        f"/tasks/{task_id}", data={"csrf_token": token, "batch": "B-7", "decision": "reject", "reason": " "}
    )
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "Give a reason for rejecting." in html
    assert re.search(r'id="decision-reject"[^>]*checked', html) and 'value="B-7"' in html
    assert re.search(
        r'<textarea id="reason"[^>]*aria-invalid="true"[^>]*aria-describedby="reason-error"', html
    )

    data = {"csrf_token": token, "batch": "B-7", "decision": "reject", "reason": "seal broken",
            "password": password_of("quinn")}  # fmt: skip
    assert client.post(f"/tasks/{task_id}", data=data).status_code == 302


def test_a_sign_off_without_a_form_asks_only_for_the_decision_and_marks_a_required_reason(
    client, admin, make_user
):
    admin.deploy(SIGNED)
    make_user("quinn", groups=["QA", "System Owner"])
    task_id, page = open_task(admin, client, "signed_approval", "quinn")
    assert "Sign as QA" in page and "This task has no form" not in page
    assert '<span class="hint">(required to reject)</span>' in page
    sent = {"csrf_token": csrf_of(page), "decision": "approve", "password": password_of("quinn")}
    done = client.post(f"/tasks/{task_id}", data=sent)
    owner = client.get(done.headers["Location"]).get_data(as_text=True)
    assert (
        "Next: System Owner approval (offered to group System Owner)." in owner
    )  # the flash names the offer
    assert re.search(r'<label for="reason">Reason <span class="req" aria-hidden="true">\*</span>', owner)
    assert re.search(r'<textarea id="reason" name="reason" rows="3" required', owner)
    assert "(required)" not in owner


def test_the_task_page_says_whom_the_task_is_offered_to_or_who_holds_it(client, admin, make_user):
    admin.deploy(DATA / "simple" / "two_steps.bpmn")
    make_user("rita", groups=["reviewers"])
    task_id, page = open_task(admin, client, "two_steps", "rita")
    assert "Offered to group reviewers · priority 70" in page
    assert "Two steps · two_steps-1</a>" in page  # the breadcrumb names the process, not its key
    client.post(f"/tasks/{task_id}/claim", data={"csrf_token": csrf_of(page)})
    assert "Assigned to you · priority 70" in client.get(f"/tasks/{task_id}").get_data(as_text=True)


def test_a_completion_that_stops_the_case_says_so_and_links_the_case(client, admin, make_user):
    admin.deploy(REWORK)
    make_user("checker", groups=["inspectors"])
    task_id, page = open_task(admin, client, "rework", "checker")
    done = client.post(f"/tasks/{task_id}", data={"csrf_token": csrf_of(page), "route": "unsure"})
    inbox = client.get(done.headers["Location"]).get_data(as_text=True)
    said = re.search(r'<p class="flash flash-error">(.*?)</p>', inbox).group(1)
    assert said.startswith("“Check part” is done, but the case stopped with a problem.")
    assert "Nothing else" not in inbox
    link = re.search(r'<a href="(/instances/[0-9a-f-]+)">Open the case</a>', said).group(1)
    case = client.get(link).get_data(as_text=True)
    assert "<strong>Gateway condition failed</strong>" in case and "No conditions satisfied for gw" in case
    assert "at “Route?”" in case  # the gateway's name, not its id
    diagram = re.search(r'id="diagram-data">(.*?)</script>', case).group(1)
    assert '"current": []' in diagram and '"failed": ["gw"]' in diagram  # drawn failed, not current


def test_a_whole_number_field_takes_what_was_typed_and_names_the_mistake(client, admin, make_user):
    admin.deploy(INSPECTION)
    make_user("inspector")
    task_id, page = open_task(admin, client, "inspection", "inspector")
    field = re.search(r'<input id="field-measurement".*?>', page, re.S).group(0)
    assert 'type="text"' in field and 'inputmode="numeric"' in field
    assert 'min="' not in page and 'max="' not in page  # no empty min="" max="" on any input
    sent = {"csrf_token": csrf_of(page), "measurement": "1e", "grade": "A", "notes": "fine"}
    html = client.post(f"/tasks/{task_id}", data=sent).get_data(as_text=True)
    assert 'value="1e"' in html and "Enter a whole number." in html and "This field is required." not in html


def test_the_starter_reads_why_four_eyes_keep_them_from_the_review(client, admin, make_user):
    """Dora starts the case and drafts; the review's page tells her why it is not hers to do."""
    admin.deploy(DATA / "duties" / "four_eyes.bpmn")
    make_user("dora", groups=["writers"])
    sign_in(client, "dora", "pw-dora")
    token = csrf_of(client.get("/").get_data(as_text=True))
    started = client.post("/start/four_eyes", data={"csrf_token": token})
    assert started.status_code == 302
    draft = re.search(r"/tasks/([0-9a-f-]{36})", started.headers["Location"]).group(1)
    page = client.get(f"/tasks/{draft}").get_data(as_text=True)
    drafted = client.post(f"/tasks/{draft}", data={"csrf_token": csrf_of(page)})
    assert drafted.status_code == 302
    # Not "Next: Review" (the inbox took her to the review it then refused her): nothing is hers.
    said = client.get(drafted.headers["Location"]).get_data(as_text=True)
    assert "Nothing else in this case is waiting for you." in said, said
    tasks = admin.get("/tasks?definition_key=four_eyes").json["items"]
    page = client.get(f"/tasks/{tasks[0]['id']}").get_data(as_text=True)
    assert "Four eyes: you started this case, so someone else completes this task." in page
    assert 'id="task-form"' not in page


def test_a_form_field_named_decision_is_linked_from_the_summary_not_a_sign_off(client, admin, make_user):
    admin.deploy(ROOT / "bpmn" / "leave_request.bpmn")
    make_user("manny", groups=["managers"])
    started = admin.post(
        "/process-definitions/leave_request/instances",
        json={"business_key": "LV-1", "variables": {"days": 3, "leave_type": "annual"}},
    ).json
    sign_in(client, "manny", "pw-manny")
    task_id = started["tasks"][0]["id"]
    page = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    html = client.post(f"/tasks/{task_id}", data={"csrf_token": csrf_of(page)}).get_data(as_text=True)
    summary = re.search(r'<div class="error-summary".*?</div>', html, re.S).group(0)
    assert '<a href="#field-decision">Decision: This field is required.</a>' in summary
    assert 'id="field-decision"' in html and 'id="decision-approve"' not in html


def test_a_required_yes_no_is_two_unchosen_radios_and_a_second_visit_opens_unanswered(
    client, admin, make_user
):
    admin.deploy(VERIFY)
    make_user("tess", groups=["testers"])
    task_id, page = open_task(admin, client, "verify_loop", "tess")
    field = re.search(r'<fieldset class="field yes-no".*?</fieldset>', page, re.S).group(0)
    assert re.search(
        r'<legend>Works as intended <span class="req" aria-hidden="true">\*</span></legend>', field
    )
    assert re.findall(
        r'<input type="radio" id="(field-works(?:-no)?)" name="works" value="(\w+)"', field
    ) == [
        ("field-works", "true"),
        ("field-works-no", "false"),
    ]
    assert "checked" not in field and 'type="hidden"' not in field  # untouched sends nothing: no silent "no"
    assert re.search(r'<input type="checkbox" id="field-notify_me"', page)  # an optional yes/no stays a box

    refused = client.post(f"/tasks/{task_id}", data={"csrf_token": csrf_of(page)})
    assert refused.status_code == 422
    assert '<a href="#field-works">Works as intended: This field is required.</a>' in refused.get_data(
        as_text=True
    )

    done = client.post(f"/tasks/{task_id}", data={"csrf_token": csrf_of(page), "works": "false"})
    again = client.get(done.headers["Location"]).get_data(as_text=True)  # "no" loops back to the check
    assert "<h1>Verify the fix</h1>" in again
    field = re.search(r'<fieldset class="field yes-no".*?</fieldset>', again, re.S).group(0)
    assert "checked" not in field  # the first visit's "no" is not chosen for this one
    assert admin.get(f"/tasks/{task_id}").json["status"] == "completed"


def test_signing_on_the_task_page_asks_for_the_password_every_time_and_refuses_a_wrong_one(
    client, admin, make_user
):
    admin.deploy(SIGNED)
    make_user("quinn", groups=["QA"])
    task_id, page = open_task(admin, client, "signed_approval", "quinn")
    field = re.search(r'<input type="password" id="password"[^>]*>', page, re.S).group(0)
    assert 'name="password"' in field and 'autocomplete="current-password"' in field
    token = csrf_of(page)

    missing = client.post(f"/tasks/{task_id}", data={"csrf_token": token, "decision": "approve"})
    html = missing.get_data(as_text=True)
    assert missing.status_code == 422 and 'href="#password">Password: Enter your password to sign.' in html
    assert "signature.password" not in html  # the API's words stay in the API

    sent = {"csrf_token": token, "decision": "approve", "password": "not-Mine-42"}
    wrong = client.post(f"/tasks/{task_id}", data=sent)
    html = wrong.get_data(as_text=True)
    assert wrong.status_code == 422 and "the password is not correct" in html
    assert re.search(r'id="password"[^>]*aria-invalid="true"', html) and "not-Mine-42" not in html
    assert admin.get(f"/tasks/{task_id}").json["status"] == "open"
    refused = admin.get("/audit?action=task.sign_refused").json["items"]
    assert [e["after"]["refusal"] for e in refused] == ["wrong-password", "missing-password"]

    sent["password"] = password_of("quinn")
    assert client.post(f"/tasks/{task_id}", data=sent).status_code == 302


def test_a_boundary_event_that_never_fired_is_neither_done_nor_visited_in_the_diagram(
    client, admin, make_user
):
    # One rework, then a pass: the cap's boundary event "Visits used up" was only armed while the
    # rework waited. It was drawn as done and "Visited 1 time(s)", as though the cap had been hit.
    from tests.scenarios.flow import complete, deploy, start

    deploy(admin, "remanufacturing.bpmn", "inspection_routing.dmn")
    iid = start(admin, "remanufacturing", "PART-9")
    for element, values in [
        ("Task_receive", {"serial_number": "SN-9"}), ("Task_disassemble", {}), ("Task_clean", {}),
        ("Task_inspect", {"wear_mm": 0.3, "grade": "B"}), ("Task_rework", {}),
        ("Task_inspect", {"wear_mm": 0.1, "grade": "A"}),
    ]:  # fmt: skip
        complete(admin, iid, element, **values)
    make_user("viewer", admin=True)
    sign_in(client, "viewer", password_of("viewer"))

    def diagram_of(path: str) -> dict:
        page = client.get(path).get_data(as_text=True)
        return json.loads(html.unescape(re.search(r'id="diagram-data">(.*?)</script>', page).group(1)))

    case = diagram_of(f"/instances/{iid}")
    assert case["visits"]["Task_rework"] == 1 and case["visits"]["Task_inspect"] == 2
    assert "Boundary_max_visits" not in case["visits"] and "Boundary_max_visits" not in case["done"]
    reassemble = admin.get(f"/tasks?instance_id={iid}").json["items"][0]
    assert reassemble["element_id"] == "Task_reassemble"
    task = diagram_of(f"/tasks/{reassemble['id']}")
    assert "Task_rework" in task["done"] and "Boundary_max_visits" not in task["done"]


def _disposition_page(client, admin, inspections: list[dict]) -> str:
    """The quality engineer's 'Scrap or return?' page after the part was inspected with these values
    (a rework between two inspections)."""
    from tests.scenarios.flow import complete, deploy, open_tasks, start

    deploy(admin, "remanufacturing.bpmn", "inspection_routing.dmn")
    iid = start(admin, "remanufacturing", "PART-7")
    for element, values in [
        ("Task_receive", {"serial_number": "SN-7"}),
        ("Task_disassemble", {}),
        ("Task_clean", {}),
    ]:
        complete(admin, iid, element, **values)
    for n, values in enumerate(inspections):
        if n:
            complete(admin, iid, "Task_rework")
        complete(admin, iid, "Task_inspect", **values)
    (task,) = open_tasks(admin, iid)
    assert task["element_id"] == "Task_scrap_decision"
    sign_in(client, "qe", password_of("qe"))
    return client.get(f"/tasks/{task['id']}").get_data(as_text=True)


def test_the_disposition_page_says_the_reworks_were_used_up_when_the_cap_sent_the_part(
    client, admin, make_user
):
    # It said "failed inspection or reached the maximum number of inspections": which, the
    # quality engineer could not tell.
    make_user("qe", groups=["quality-engineers"])
    worn = {"wear_mm": 0.3, "grade": "B"}
    page = _disposition_page(client, admin, [worn, worn, worn])
    assert "used up its 2 reworks" in page and "routed it to scrap" not in page
    assert "issue an RMA" in page  # all four dispositions, not only scrap or return


def test_the_disposition_page_says_the_inspection_scrapped_the_part(client, admin, make_user):
    make_user("qe", groups=["quality-engineers"])
    page = _disposition_page(client, admin, [{"wear_mm": 0.7, "grade": "B", "crack_found": True}])
    assert "The inspection routed it to scrap (wear 0.7 mm, grade B, a crack found)" in page
    assert "used up its" not in page


def test_a_rejection_from_the_inbox_has_a_reason_field_to_give_its_reason_in(client, admin, make_user):
    # The page refused "Reject" without a reason ("Give a reason for rejecting."), but only signed
    # or reasonRequired tasks had a reason field: the work order's approval could not be rejected.
    from tests.scenarios.flow import complete, deploy, open_tasks, start

    deploy(admin, "regulatory_work_order.bpmn")
    iid = start(admin, "regulatory_work_order", "WO-9", title="Replace filter")
    complete(admin, iid, "Task_draft")
    (task,) = open_tasks(admin, iid)
    make_user("sue", groups=["supervisors"])
    sign_in(client, "sue", password_of("sue"))
    page = client.get(f"/tasks/{task['id']}").get_data(as_text=True)
    assert '<textarea id="reason" name="reason"' in page and "(required to reject)" in page
    sent = {"csrf_token": csrf_of(page), "decision": "reject"}
    refused = client.post(f"/tasks/{task['id']}", data=sent).get_data(as_text=True)
    assert 'id="reason-error">Give a reason for rejecting.' in refused
    done = client.post(f"/tasks/{task['id']}", data={**sent, "reason": "no risk assessment"})
    assert done.status_code == 302
    assert admin.get(f"/instances/{iid}").json["variables"]["reason"] == "no risk assessment"


def test_a_camunda_form_that_decides_reject_has_a_reason_field_too(client, admin, make_user):
    # Over the API and in the inbox a rejection needs a reason; a form-js form's "decision" select
    # is inside its JSON, so only generated forms got the field to give it in.
    assert admin.deploy(DATA / "forms" / "decide.bpmn", DATA / "forms" / "decide.form").status_code == 201
    make_user("rae")
    task_id, page = open_task(admin, client, "decide", "rae")
    assert '<textarea id="reason" name="reason"' in page
    sent = {"csrf_token": csrf_of(page), "form_data": json.dumps({"decision": "reject"})}
    refused = client.post(f"/tasks/{task_id}", data=sent).get_data(as_text=True)
    assert 'id="reason-error">a rejection requires a reason</p>' in refused  # text, not a list
    done = client.post(f"/tasks/{task_id}", data={**sent, "reason": "over budget"})
    assert done.status_code == 302


def test_the_rework_page_says_why_the_part_is_there_and_that_reworks_are_capped(client, admin, make_user):
    # Rework had no instructions: the technician saw no reason for it and no word that a third
    # rework would not happen (the part goes to a quality engineer instead).
    from tests.scenarios.flow import complete, deploy, open_tasks, start

    deploy(admin, "remanufacturing.bpmn", "inspection_routing.dmn")
    iid = start(admin, "remanufacturing", "PART-8")
    for element, values in [
        ("Task_receive", {"serial_number": "SN-8"}), ("Task_disassemble", {}), ("Task_clean", {}),
        ("Task_inspect", {"wear_mm": 0.3, "grade": "B"}),
    ]:  # fmt: skip
        complete(admin, iid, element, **values)
    (task,) = open_tasks(admin, iid)
    make_user("tess", groups=["technicians"])
    sign_in(client, "tess", password_of("tess"))
    page = client.get(f"/tasks/{task['id']}").get_data(as_text=True)
    assert "The inspection sent the part to rework (wear 0.3 mm, grade B)." in page
    assert "reworked at most twice" in page


def test_a_signed_tasks_delegate_list_offers_only_members_of_its_role(client, admin, make_user):
    # It offered every colleague; handing the task to one outside the role's group is refused
    # ("is not a member of the group 'QA'"), so most of the list could only fail.
    admin.deploy(RELEASE)
    make_user("quinn", groups=["QA"])
    make_user("quentin", groups=["QA"])
    make_user("tom", groups=["technicians"])
    task_id, page = open_task(admin, client, "signed_release", "quinn")
    offered = re.search(r'<select[^>]*name="to".*?</select>', page, re.S).group(0)
    assert "<option>quentin</option>" in offered and "tom" not in offered
