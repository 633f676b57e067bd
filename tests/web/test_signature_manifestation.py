"""A signed decision as the inbox shows it to a reader (21 CFR 11.50): the signer's printed name as
signed, the date and time, and the meaning (the role signed as, approval or rejection), on the task
page, the case page, and a work order's case page."""

from __future__ import annotations

import re

from sqlalchemy import text

from tests.conftest import DATA, password_of, signature
from tests.scenarios.flow import complete, deploy, start
from tests.web.test_pages import sign_in

SIGNED = DATA / "security" / "signed_approval.bpmn"
WHEN = r"\d{4}-\d\d-\d\d \d\d:\d\d UTC"


def _signed_line(name: str, role: str, meaning: str) -> str:
    return (
        rf'Signed electronically by <strong class="printed-name">{re.escape(name)}</strong> as {role} '
        rf"\({meaning}\) · {WHEN}"
    )


def _open_task(api, instance_id) -> dict:
    return api.get(f"/tasks?instance_id={instance_id}").json["items"][0]


def test_the_task_and_case_pages_show_each_signature_with_its_printed_name_time_and_meaning(
    client, admin, as_user, db_session
):
    admin.deploy(SIGNED)
    iid = admin.post("/process-definitions/signed_approval/instances", json={}).json["id"]
    qa = as_user("quinn", groups=["QA"], display_name="Quinn Q. Adams")
    owner = as_user("olga", groups=["System Owner"], display_name="Olga Owen")
    task = _open_task(qa, iid)
    assert qa.post(f"/tasks/{task['id']}/complete", json={"signature": signature(qa)}).status_code == 200
    # Renamed since: the signature shows the name it was signed with.
    db_session.execute(text("UPDATE users SET display_name = 'Quinn Baker' WHERE username = 'quinn'"))

    sign_in(client, "olga", password_of("olga"))
    owner_task = _open_task(owner, iid)
    page = client.get(f"/tasks/{owner_task['id']}").get_data(as_text=True)
    decided = re.search(r'<ul class="decisions">(.*?)</ul>', page, re.S).group(1)
    assert re.search(_signed_line("Quinn Q. Adams", "QA", "approval"), decided)
    assert 'under the printed name <strong class="printed-name">Olga Owen</strong>' in page  # before signing

    body = {"signature": signature(owner, "reject", role="System Owner"), "reason": "wrong torque"}
    assert owner.post(f"/tasks/{owner_task['id']}/complete", json=body).status_code == 200
    case = client.get(f"/instances/{iid}").get_data(as_text=True)
    history = re.search(r'<ol class="timeline">.*?</ol>', case, re.S).group(0)
    assert re.search(_signed_line("Quinn Q. Adams", "QA", "approval"), history)
    assert re.search(_signed_line("Olga Owen", "System Owner", "rejection"), history)


def test_a_work_orders_case_page_shows_its_sign_offs_printed_names(client, admin, as_user):
    deploy(admin, "regulatory_work_order.bpmn")
    planner, supervisor = as_user("pat"), as_user("sue", groups=["supervisors"])
    tech = as_user("tom")
    owner = as_user("olga", groups=["System Owner"], display_name="Olga Owen")
    qa = as_user("quinn", groups=["QA"])  # no display name of their own: the username is printed
    iid = start(planner, "regulatory_work_order", title="Calibrate line 3 scale", estimated_hours=4)
    complete(planner, iid, "Task_draft")
    complete(supervisor, iid, "Task_approve_order", decision="approve")
    complete(supervisor, iid, "Task_assign", technician="tom")
    complete(tech, iid, "Task_work", blocked=False)
    complete(owner, iid, "Task_owner_signoff", signed="approve")
    complete(qa, iid, "Task_qa_signoff", signed="reject", reason="no calibration record")

    sign_in(client, "sue", password_of("sue"))
    case = client.get(f"/instances/{iid}").get_data(as_text=True)
    history = re.search(r'<ol class="timeline">.*?</ol>', case, re.S).group(0)
    assert re.search(_signed_line("Olga Owen", "System Owner", "approval"), history)
    assert re.search(_signed_line("quinn", "QA", "rejection"), history)
