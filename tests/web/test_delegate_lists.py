"""The inbox's Delegate lists offer a task only to whom delegating it would not be refused: a task
signed as a role to the members of its group, a four-eyes task to no one its rule keeps from it."""

from __future__ import annotations

import re

from tests.conftest import DATA, password_of
from tests.web.test_pages import sign_in

SIGNED = DATA / "security" / "signed_approval.bpmn"
FOUR_EYES = DATA / "duties" / "four_eyes.bpmn"


def _offered(page: str, task_id: str) -> list[str]:
    """The names a task's Delegate list offers, on the inbox (its row) or on its own page."""
    row = re.search(
        rf'<li class="task" data-task-id="{task_id}">(.*?)</li>\s*(?:<li class="task"|</ul>)', page, re.S
    )
    select = re.search(r'<select[^>]*name="to"[^>]*>(.*?)</select>', row.group(1) if row else page, re.S)
    return re.findall(r"<option>([^<]+)</option>", select.group(1))


def test_the_inbox_offers_a_signed_task_only_to_the_members_of_its_role(client, admin, make_user):
    # The inbox's rows offered every colleague, though handing the task to one outside the QA group
    # is refused ("tom is not a member of the group 'QA'"): only the task's own page left them out.
    admin.deploy(SIGNED), admin.deploy(FOUR_EYES)
    for name, groups in (("quinn", ["QA", "writers"]), ("quentin", ["QA"]), ("tom", [])):
        make_user(name, groups=groups)
    signed = admin.post("/process-definitions/signed_approval/instances", json={}).json["tasks"][0]
    plain = admin.post("/process-definitions/four_eyes/instances", json={}).json["tasks"][0]
    sign_in(client, "quinn", password_of("quinn"))
    inbox = client.get("/?tab=groups").get_data(as_text=True)
    assert _offered(inbox, signed["id"]) == ["quentin"]
    assert _offered(inbox, plain["id"]) == ["admin", "quentin", "tom"]  # (a draft asks for no signature)
    page = client.get(f"/tasks/{signed['id']}").get_data(as_text=True)
    assert _offered(page, signed["id"]) == ["quentin"]


def test_a_four_eyes_task_is_offered_to_no_one_its_rule_keeps_from_it(client, admin, as_user):
    admin.deploy(FOUR_EYES)
    sam, dora = as_user("sam", groups=["writers"]), as_user("dora", groups=["writers"])
    as_user("rita", groups=["writers"]), as_user("wes", groups=["writers"])
    started = sam.post("/process-definitions/four_eyes/instances", json={}).json
    assert dora.post(f"/tasks/{started['tasks'][0]['id']}/complete", json={}).status_code == 200
    review = dora.get(f"/tasks?instance_id={started['id']}").json["items"][0]["id"]

    sign_in(client, "rita", password_of("rita"))
    # sam started the case, dora drafted it: delegating the review to either is refused
    assert _offered(client.get(f"/tasks/{review}").get_data(as_text=True), review) == ["admin", "wes"]
    assert _offered(client.get("/?tab=groups").get_data(as_text=True), review) == ["admin", "wes"]
