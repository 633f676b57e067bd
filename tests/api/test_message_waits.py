"""A correlated message reaches one wait of an instance, as Camunda 7's correlate() reaches one
execution: several matching waits are a 409 naming them, nothing changed, unless the message is
sent with all=true (correlateAll). A correlation key or correlation values may single one out,
and local correlation values (localCorrelationKeys) a wait by its own variables.
An event-based gateway and an activity's boundary events are one wait; a listening event
subprocess catches the message beside the wait it reaches."""

from tests.conftest import DATA

MESSAGES = DATA / "messages"


def _start(api, key: str, variables: dict | None = None) -> str:
    assert api.deploy(MESSAGES / f"{key}.bpmn").status_code == 201
    made = api.post(f"/process-definitions/{key}/instances", json={"variables": variables or {}})
    assert made.status_code == 201, made.json
    return made.json["id"]


def _open(api, instance_id) -> list[str]:
    return sorted(t["element_id"] for t in api.get(f"/tasks?instance_id={instance_id}").json["items"])


def _ping(api, **body):
    return api.post("/messages", json={"name": "ping", "variables": {"pinged": True}, **body})


def test_a_message_two_parallel_waits_match_is_a_409_naming_them_and_changes_nothing(admin):
    iid = _start(admin, "parallel_pings")
    before = admin.get(f"/instances/{iid}").json
    history = admin.get(f"/instances/{iid}/history").json["items"]
    refused = _ping(admin)
    assert refused.status_code == 409, refused.json
    assert f"message 'ping' matches 2 waits of instance {iid} ('ping_a', 'ping_b')" in refused.json["message"]
    assert refused.json["details"] == {"instance_id": iid, "element_ids": ["ping_a", "ping_b"]}
    assert admin.get(f"/instances/{iid}").json == before
    assert admin.get(f"/instances/{iid}/history").json["items"] == history
    assert _ping(admin).status_code == 409  # both still wait


def test_a_message_sent_to_all_completes_every_wait(admin):
    iid = _start(admin, "parallel_pings")
    sent = _ping(admin, all=True)
    assert sent.status_code == 200 and sent.json["delivered_to"] == [iid], sent.json
    assert _open(admin, iid) == ["after_a", "after_b"]  # the receive task took it too
    assert admin.get(f"/instances/{iid}").json["variables"]["pinged"] is True


def test_correlation_values_a_branch_holds_single_out_its_wait(admin):
    iid = _start(admin, "parallel_pings")  # only branch b sets lane = "b" before it waits
    sent = _ping(admin, correlation={"lane": "b"})
    assert sent.status_code == 200 and sent.json["delivered_to"] == [iid], sent.json
    assert _open(admin, iid) == ["after_b"]
    assert admin.get(f"/instances/{iid}").json["active_elements"] == ["ping_a", "after_b"]
    assert _ping(admin).status_code == 200  # the one wait left takes the next
    assert _open(admin, iid) == ["after_a", "after_b"]


def test_zeebe_correlation_keys_give_each_receive_task_instance_its_own_message(admin):
    iid = _start(admin, "zeebe_pings", {"items": ["A", "B"]})
    refused = _ping(admin)
    assert refused.status_code == 409 and refused.json["details"]["element_ids"] == ["ping_each"]
    assert "matches 2 waits" in refused.json["message"]
    sent = _ping(admin, correlation_key="B")
    assert sent.status_code == 200 and sent.json["delivered_to"] == [iid], sent.json
    assert admin.get(f"/instances/{iid}").json["active_elements"] == ["ping_each"]
    assert _ping(admin, correlation_key="B").status_code == 404  # B has had its message
    assert _ping(admin, correlation_key="A").status_code == 200
    assert _open(admin, iid) == ["after"]


def test_an_activitys_boundary_events_are_one_wait_and_one_of_them_fires(admin):
    iid = _start(admin, "boundary_pings", {"beside": False})
    sent = _ping(admin)
    assert sent.status_code == 200, sent.json
    assert _open(admin, iid) == ["cut"]  # the interrupting one fired; the other did not


def test_a_boundary_event_and_a_catch_beside_it_are_two_waits(admin):
    iid = _start(admin, "boundary_pings", {"beside": True})
    refused = _ping(admin)
    assert refused.status_code == 409
    assert refused.json["details"]["element_ids"] == ["ping_beside", "work_cut"]
    assert _open(admin, iid) == ["work"]
    assert _ping(admin, all=True).status_code == 200
    assert _open(admin, iid) == ["cut"]
    assert admin.get(f"/instances/{iid}").json["status"] == "waiting"


def test_a_listening_event_subprocess_catches_the_message_beside_the_wait_it_reaches(admin):
    iid = _start(admin, "listening_ping")
    sent = _ping(admin)
    assert sent.status_code == 200, sent.json
    assert _open(admin, iid) == ["after", "log_ping"]
    assert _ping(admin).status_code == 200  # the listener alone: it listens again (non-interrupting)
    assert _open(admin, iid) == ["after", "log_ping", "log_ping"]


def test_local_correlation_values_give_each_receive_task_instance_its_own_message(admin):
    # Camunda 7's localCorrelationKeys: a loop instance's element variable is its own, not the
    # instance's, so correlation values cannot tell the instances apart; local ones can.
    iid = _start(admin, "item_pings", {"items": ["A", "B"]})
    assert _ping(admin, correlation={"item": "B"}).status_code == 404  # no process variable `item`
    sent = _ping(admin, local_correlation={"item": "B"})
    assert sent.status_code == 200 and sent.json["delivered_to"] == [iid], sent.json
    assert admin.get(f"/instances/{iid}").json["active_elements"] == ["ping_each"]
    gone = _ping(admin, local_correlation={"item": "B"})  # B has had its message
    assert gone.status_code == 404, gone.json
    assert gone.json["message"] == (
        "1 instance(s) wait for message 'ping' but none at a wait whose own variables hold "
        '{"item": "B"}, and no process starts on it'
    )
    assert _ping(admin, local_correlation={"item": "A"}).status_code == 200
    assert _open(admin, iid) == ["after"]
    assert admin.get(f"/instances/{iid}").json["variables"]["pinged"] is True


def test_local_correlation_matching_waits_of_two_instances_is_a_409_and_changes_nothing(admin):
    first = _start(admin, "item_pings", {"items": ["A", "B"]})
    made = admin.post("/process-definitions/item_pings/instances", json={"variables": {"items": ["B", "C"]}})
    second = made.json["id"]

    def seen():
        return [
            (admin.get(f"/instances/{i}").json, admin.get(f"/instances/{i}/history").json)
            for i in (first, second)
        ]

    before = seen()
    refused = _ping(admin, local_correlation={"item": "B"})
    assert refused.status_code == 409, refused.json
    assert refused.json["message"].startswith("message 'ping' matches 2 instances")
    assert seen() == before
    only_c = _ping(admin, local_correlation={"item": "C"})  # one instance holds C: no conflict
    assert only_c.status_code == 200 and only_c.json["delivered_to"] == [second], only_c.json
    both = _ping(admin, local_correlation={"item": "B"}, all=True)
    assert both.status_code == 200 and sorted(both.json["delivered_to"]) == sorted([first, second])
    assert _open(admin, second) == ["after"] and _open(admin, first) == []


def test_a_local_correlation_value_must_be_a_scalar(admin):
    refused = _ping(admin, local_correlation={"item": ["B"]})
    assert refused.status_code == 400
    assert refused.json["details"]["field"] == "local_correlation.item", refused.json
