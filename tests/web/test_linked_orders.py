"""A linked work order's case page names its master, linked for whoever may read the master."""

import re

from tests.conftest import password_of
from tests.scenarios.flow import complete, deploy, start
from tests.web.test_pages import sign_in


def _linked_order(admin) -> tuple[str, str]:
    """(master id, the instance id of one order linked under it)."""
    deploy(admin, "work_order_master.bpmn", "leave_request.bpmn")
    master = start(admin, "work_order_master", business_key="SHUTDOWN-3")
    complete(admin, master, "Task_plan")
    order = {"ref": "isolate", "definition_key": "leave_request", "title": "Isolate"}
    order["variables"] = {"days": 1}
    made = admin.post(f"/work-orders/{master}/links", json={"orders": [order]}).json
    return master, made["items"][0]["child_instance_id"]


def test_a_linked_orders_page_links_its_master(client, admin, make_user):
    # The page showed nothing of the master: from an order there was no way to its siblings.
    master, child = _linked_order(admin)
    make_user("olive", roles="operator")
    sign_in(client, "olive", password_of("olive"))
    page = client.get(f"/instances/{child}").get_data(as_text=True)
    assert f'Linked order of <a href="/instances/{master}">Master work order · SHUTDOWN-3</a>' in page
    assert "Linked order of" not in client.get(f"/instances/{master}").get_data(as_text=True)


def test_a_reader_of_the_order_alone_sees_that_it_is_linked_but_no_link(client, admin, make_user):
    _, child = _linked_order(admin)
    make_user("mia", groups=["managers"])  # the order's review is offered to managers
    sign_in(client, "mia", password_of("mia"))
    page = client.get(f"/instances/{child}").get_data(as_text=True)
    assert "Linked order of a master work order</p>" in page


def test_a_masters_page_lists_its_orders_with_their_state(client, admin, make_user):
    # The master's page showed its planning task and nothing of its orders or their progress.
    master, child = _linked_order(admin)
    waiting = {"ref": "repair", "definition_key": "leave_request", "title": "Repair"}
    waiting.update(
        variables={"days": 1}, depends_on=[admin.get(f"/work-orders/{master}").json["orders"][0]["id"]]
    )
    assert admin.post(f"/work-orders/{master}/links", json={"orders": [waiting]}).status_code == 201
    make_user("olive", roles="operator")
    sign_in(client, "olive", password_of("olive"))
    page = client.get(f"/instances/{master}").get_data(as_text=True)
    assert "Linked orders (0 % complete)" in page
    assert f'<a href="/instances/{child}">Isolate</a>' in page
    assert re.search(r"<span>Repair</span>\s*— waiting", page)  # no instance yet: nothing to link


def test_a_masters_page_lists_its_orders_on_the_embedded_sqlite_too(sqlite_app, sqlite_admin):
    # make run's SQLite refused the order's instance id as text: the master's page was a 500.
    master, child = _linked_order(sqlite_admin)
    with sqlite_app.app_context():
        from app.services import identity

        identity.create_user("olive", roles="operator", password=password_of("olive"))
    client = sqlite_app.test_client()
    sign_in(client, "olive", password_of("olive"))
    page = client.get(f"/instances/{master}")
    assert page.status_code == 200
    assert f'<a href="/instances/{child}">Isolate</a>' in page.get_data(as_text=True)


def test_the_planning_task_says_how_orders_are_linked_and_what_completing_it_does(client, admin, as_user):
    # "Plan linked orders" had no instructions: its assignee had no way to learn that orders are
    # linked over the API and that completing the task makes the master wait for them.
    deploy(admin, "work_order_master.bpmn")
    pia = as_user("pia")
    master = start(pia, "work_order_master", business_key="SHUTDOWN-4")
    task = pia.get(f"/tasks?instance_id={master}").json["items"][0]
    sign_in(client, "pia", password_of("pia"))
    page = client.get(f"/tasks/{task['id']}").get_data(as_text=True)
    assert "<code>POST /api/v1/work-orders/{id}/links</code>" in page
    assert "waits until every linked order is closed" in page
