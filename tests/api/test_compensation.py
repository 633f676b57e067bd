"""Compensation and event subprocesses as a person sees them over HTTP: a user task that undoes
work is a task in the inbox, and a listening event subprocess is not shown as active."""

from tests.engine.engine_support import ENGINE_DATA


def _start(admin, key: str, variables: dict) -> dict:
    assert admin.deploy(ENGINE_DATA / f"{key}.bpmn").status_code == 201
    started = admin.post(f"/process-definitions/{key}/instances", json={"variables": variables})
    assert started.status_code == 201, started.json
    return started.json


def _complete(admin, task: dict, variables: dict | None = None) -> dict:
    done = admin.post(f"/tasks/{task['id']}/complete", json={"variables": variables or {}})
    assert done.status_code == 200, done.json
    return done.json


def test_a_user_task_compensation_handler_is_an_inbox_task_and_the_throw_waits_for_it(admin):
    body = _start(admin, "booking_by_hand", {"trip": "rome", "card": "bad", "cancelled": []})
    _complete(admin, body["tasks"][0], {"flight": "F-1"})
    instance = admin.get(f"/instances/{body['id']}").json
    assert instance["status"] == "waiting" and sorted(instance["active_elements"]) == [
        "cancel_flight",
        "undo",
    ]
    (handler,) = instance["tasks"]
    inbox = admin.get("/tasks").json["items"]
    assert handler["id"] in [t["id"] for t in inbox]
    assert handler["name"] == "Cancel the flight by phone"
    _complete(admin, handler, {"refund": 120})
    after = admin.get(f"/instances/{body['id']}").json
    assert after["active_elements"] == ["tell_customer"]
    assert after["variables"]["cancelled"] == ["H-rome"] and after["variables"]["refund"] == 120
    history = [h["element_id"] for h in admin.get(f"/instances/{body['id']}/history").json["items"]]
    assert {"cancel_flight", "cancel_hotel", "undo"} <= set(history)


def test_a_listening_event_subprocess_is_neither_active_nor_in_the_history(admin):
    body = _start(admin, "nested_event_subprocess", {})
    assert body["active_elements"] == ["outer_work", "work"]
    _complete(admin, body["tasks"][0])
    _complete(admin, admin.get(f"/instances/{body['id']}").json["tasks"][0])
    assert admin.get(f"/instances/{body['id']}").json["status"] == "completed"
    history = [h["element_id"] for h in admin.get(f"/instances/{body['id']}/history").json["items"]]
    assert "on_stop" not in history and "stop_start" not in history
