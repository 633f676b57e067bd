"""What a requester sees of the way a case went: the rejection's reason and who gave it on the task
that comes back to them, the outcome on the case page and in the bell."""

from __future__ import annotations

import re

from tests.conftest import DATA, ROOT
from tests.web.test_bell import bell_of
from tests.web.test_pages import csrf_of, sign_in

PARALLEL = DATA / "inbox" / "parallel_approval.bpmn"


def _start(client, variables: dict) -> str:
    """Start the spend request from the inbox as the signed-in requester; returns the instance id."""
    from app.services import identity
    from app.services.instances import start_instance

    instance, _ = start_instance("parallel_approval", identity.get_user("reqy"), variables, "SP-9")
    return str(instance.id)


def _approve_as(admin, instance_id, group: str, decision: str, reason: str | None = None) -> None:
    tasks = admin.get(f"/tasks?instance_id={instance_id}").json["items"]
    task = next(t for t in tasks if group in t["candidate_groups"])
    body = {"variables": {"decision": decision}, **({"reason": reason} if reason else {})}
    assert admin.post(f"/tasks/{task['id']}/complete", json=body).status_code == 200


def test_the_requester_reads_why_and_by_whom_it_was_rejected_and_the_outcome(client, admin, make_user):
    admin.deploy(PARALLEL)
    make_user("reqy")
    sign_in(client, "reqy", "pw-reqy")
    iid = _start(client, {"approvers": ["managers", "cfo"]})
    _approve_as(admin, iid, "managers", "approve", "fine by me")
    _approve_as(admin, iid, "cfo", "reject", "Over [budget](http://evil.example)")

    revise = admin.get(f"/tasks?instance_id={iid}").json["items"][0]
    page = client.get(f"/tasks/{revise['id']}").get_data(as_text=True)
    instructions = re.search(r'<div class="markdown">(.*?)</div>', page, re.S).group(1)
    assert (
        "The cfo approver rejected the request: <strong>Over [budget](http://evil.example)</strong>"
        in instructions
    )
    assert "<a " not in instructions  # a requester's or approver's words never become a link
    decided = re.search(r'<ul class="decisions">(.*?)</ul>', page, re.S).group(1)
    assert re.search(r"<strong>admin</strong> approved .*“Approve request”.*<q>fine by me</q>", decided, re.S)
    assert re.search(
        r"<strong>admin</strong> rejected .*<q>Over \[budget\]\(http://evil.example\)</q>", decided, re.S
    )

    done = client.post(f"/tasks/{revise['id']}", data={"csrf_token": csrf_of(page), "resubmit": "false"})
    assert done.status_code == 302
    case = client.get(f"/instances/{iid}").get_data(as_text=True)
    assert re.search(r'<span class="outcome">Outcome: <strong>Withdrawn</strong></span>', case)
    assert re.search(r"admin rejected: <q>Over \[budget\]", case)  # per approver, in the history
    history = re.search(r'<ol class="timeline">.*?</ol>', case, re.S).group(0)
    assert "Task_approve" not in history  # the loop's own row is named too


def test_the_bell_names_the_way_the_case_ended(client, admin, make_user):
    admin.deploy(ROOT / "bpmn" / "leave_request.bpmn")
    make_user("reqy")
    make_user("manny", groups=["managers"])
    sign_in(client, "reqy", "pw-reqy")
    page = client.get("/start/leave_request").get_data(as_text=True)
    form = {"csrf_token": csrf_of(page), "days": "3", "leave_type": "annual", "business_key": "LV-1"}
    client.post("/start/leave_request", data=form)
    task = admin.get("/tasks?definition_key=leave_request").json["items"][0]
    _approve_as(admin, task["instance_id"], "managers", "reject", "Team offsite that week")
    bell = bell_of(client.get("/").get_data(as_text=True))
    assert ">Leave rejected: Leave request (LV-1)</a>" in bell  # not "Completed: ..."
    case = client.get(f"/instances/{task['instance_id']}").get_data(as_text=True)
    assert "Outcome: <strong>Leave rejected</strong>" in case


def test_a_value_put_through_a_filter_or_a_slice_in_instructions_is_still_no_link(client, admin, make_user):
    """Instructions often tidy a value (`| trim`, `| title`, `[:80]`): what comes out is the
    requester's text all the same, and must not become a link on the approver's page."""
    documentation = "Check {{ title | trim }} for {{ requester | title }}, {{ title[:80] }} ({{ n }})."
    bpmn = (DATA / "simple" / "two_steps.bpmn").read_text().replace("Check the request.", documentation)
    assert admin.deploy_bytes({"two_steps.bpmn": bpmn.encode()}).status_code == 201
    typed = {"title": "[click](https://evil.example)", "requester": "[me](http://evil.example)", "n": 1.5}
    started = admin.post("/process-definitions/two_steps/instances", json={"variables": typed}).json
    make_user("rita", groups=["reviewers"])
    sign_in(client, "rita", "pw-rita")
    page = client.get(f"/tasks/{started['tasks'][0]['id']}").get_data(as_text=True)
    instructions = re.search(r'<div class="markdown">(.*?)</div>', page, re.S).group(1)
    assert "<a " not in instructions, instructions
    assert (
        "Check [click](https://evil.example) for [Me](Http://evil.example), "
        "[click](https://evil.example) (1.5)." in instructions
    )
