"""One notion of admin: the role `admin`, however a user got it; without the role, no admin right."""

from app.extensions import db
from app.services import identity
from tests.scenarios.flow import deploy, start


def _a_managers_task(admin, as_user) -> str:
    deploy(admin, "leave_request.bpmn")
    iid = start(admin, "leave_request", days=2)
    as_user("mona", groups=["managers"]), as_user("dave")
    return admin.get(f"/tasks?instance_id={iid}").json["items"][0]["id"]


def _is_admin_everywhere(api, task_id) -> None:
    assert [t["id"] for t in api.get("/tasks").json["items"]] == [task_id]  # sees every task
    assert api.post(f"/tasks/{task_id}/delegate", json={"to": "mona"}).status_code == 200
    handed_on = api.post(f"/tasks/{task_id}/delegate", json={"to": "dave"})  # whoever holds it now
    assert handed_on.status_code == 200, handed_on.json
    permanent = {"delegator": "mona", "delegate": "dave", "permanent": True}
    assert api.post("/delegations", json=permanent).status_code == 201  # delegates for others
    assert api.get("/secrets").status_code == 200  # holds every permission


def test_a_user_given_the_admin_role_is_admin_everywhere(admin, as_user):
    task_id = _a_managers_task(admin, as_user)
    _is_admin_everywhere(as_user("ada", roles="admin"), task_id)


def test_a_user_whose_admin_role_is_removed_is_admin_nowhere(admin, as_user):
    task_id = _a_managers_task(admin, as_user)
    former = as_user("fred", admin=True)
    identity.find_user("fred").roles = "user"
    db.session.commit()
    assert former.get("/tasks").json["total"] == 0
    assert former.get(f"/tasks/{task_id}").status_code == 403
    permanent = {"delegator": "mona", "delegate": "dave", "permanent": True}
    assert former.post("/delegations", json=permanent).status_code == 403
    assert former.get("/secrets").status_code == 403
