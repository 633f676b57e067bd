from tests.conftest import DATA


def _deploy(admin):
    assert admin.deploy(DATA / "messages" / "order.bpmn").status_code == 201


def test_a_message_reaches_the_instance_with_that_business_key(admin):
    _deploy(admin)
    first = admin.post("/process-definitions/order/instances", json={"business_key": "ORD-1"}).json
    second = admin.post("/process-definitions/order/instances", json={"business_key": "ORD-2"}).json
    assert first["status"] == "waiting" and first["active_elements"] == ["wait_payment"]
    sent = admin.post(
        "/messages", json={"name": "payment_received", "business_key": "ORD-2", "variables": {"paid": 99.5}}
    )
    assert sent.status_code == 200 and sent.json["delivered_to"] == [second["id"]]
    moved = admin.get(f"/instances/{second['id']}").json
    assert moved["active_elements"] == ["pack"] and moved["variables"]["paid"] == 99.5
    assert admin.get(f"/instances/{first['id']}").json["active_elements"] == ["wait_payment"]


def test_a_message_correlates_on_process_variables(admin):
    _deploy(admin)
    admin.post("/process-definitions/order/instances", json={"variables": {"order_no": 7}})
    target = admin.post("/process-definitions/order/instances", json={"variables": {"order_no": 8}}).json
    sent = admin.post("/messages", json={"name": "payment_received", "correlation": {"order_no": 8}})
    assert sent.json["delivered_to"] == [target["id"]]


def test_an_ambiguous_message_is_refused_unless_sent_to_all(admin):
    _deploy(admin)
    for _ in range(2):
        admin.post("/process-definitions/order/instances", json={})
    assert admin.post("/messages", json={"name": "payment_received"}).status_code == 409
    assert (
        len(admin.post("/messages", json={"name": "payment_received", "all": True}).json["delivered_to"]) == 2
    )


def test_a_message_start_event_starts_an_instance(admin):
    _deploy(admin)
    sent = admin.post(
        "/messages", json={"name": "order_placed", "business_key": "ORD-9", "variables": {"customer": "ACME"}}
    )
    assert sent.status_code == 201, sent.json
    started = admin.get(f"/instances/{sent.json['started']}").json
    assert started["definition_key"] == "order_intake" and started["active_elements"] == ["confirm"]
    assert started["business_key"] == "ORD-9" and started["variables"]["customer"] == "ACME"


def test_a_message_nobody_waits_for_is_a_404(admin):
    _deploy(admin)
    missing = admin.post("/messages", json={"name": "payment_received", "business_key": "nobody"})
    assert missing.status_code == 404 and "payment_received" in missing.json["message"]
    assert admin.post("/messages", json={"name": "no_such_message"}).status_code == 404


def _waiting(api, variables, business_key=None):
    body = {"variables": variables, "business_key": business_key}
    return api.post("/process-definitions/order/instances", json=body).json["id"]


def _correlate_json_values(api):
    """Each correlation value reaches exactly the instance holding that JSON value."""
    _deploy(api)
    ids = {
        name: _waiting(api, {"v": value})
        for name, value in [("true", True), ("text_true", "true"), ("num", 1.5), ("text_num", "1.5"),
                            ("null", None), ("two", 2), ("text_two", "2")]
    }  # fmt: skip
    sent = {
        "true": b'{"v": true}', "text_true": b'{"v": "true"}', "num": b'{"v": 1.50}',
        "text_num": b'{"v": "1.5"}', "null": b'{"v": null}', "two": b'{"v": 2.0}', "text_two": b'{"v": "2"}',
    }  # fmt: skip
    for name, correlation in sent.items():
        body = b'{"name": "payment_received", "correlation": ' + correlation + b"}"
        reply = api.post("/messages", data=body, content_type="application/json")
        assert reply.status_code == 200 and reply.json["delivered_to"] == [ids[name]], (name, reply.json)


def test_correlation_compares_json_values_by_type_and_number_value(admin):
    _correlate_json_values(admin)


def test_correlation_compares_json_values_on_sqlite_too(sqlite_admin):
    _correlate_json_values(sqlite_admin)


def test_a_correlation_that_matches_none_of_the_waiting_instances_says_so(admin):
    _deploy(admin)
    _waiting(admin, {"vip": False})
    missed = admin.post("/messages", json={"name": "payment_received", "correlation": {"vip": True}})
    assert missed.status_code == 404
    assert "1 instance(s) wait for message 'payment_received' but none has" in missed.json["message"]


def test_a_correlation_value_must_be_a_json_scalar(admin):
    sent = admin.post("/messages", json={"name": "payment_received", "correlation": {"v": [1]}})
    assert sent.status_code == 400 and sent.json["details"]["field"] == "correlation.v"


def test_all_skips_suspended_instances_and_delivers_to_the_others(admin):
    _deploy(admin)
    ids = [_waiting(admin, {"amt": 1.5}) for _ in range(3)]
    assert admin.post(f"/instances/{ids[1]}/suspend").status_code == 200
    body = {"name": "payment_received", "correlation": {"amt": 1.5}, "all": True}
    sent = admin.post("/messages", json=body)
    assert sent.status_code == 200, sent.json
    assert sorted(sent.json["delivered_to"]) == sorted([ids[0], ids[2]])
    assert admin.get(f"/instances/{ids[1]}").json["active_elements"] == ["wait_payment"]
    assert admin.get(f"/instances/{ids[2]}").json["active_elements"] == ["pack"]


def test_a_message_whose_only_match_is_suspended_is_a_409_saying_so(admin):
    _deploy(admin)
    iid = _waiting(admin, {}, business_key="ORD-5")
    admin.post(f"/instances/{iid}/suspend")
    sent = admin.post("/messages", json={"name": "payment_received", "business_key": "ORD-5"})
    assert sent.status_code == 409 and "suspended" in sent.json["message"]
    admin.post(f"/instances/{iid}/resume")
    sent = admin.post("/messages", json={"name": "payment_received", "business_key": "ORD-5"})
    assert sent.status_code == 200


def test_all_delivers_in_one_transaction(admin):
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    _deploy(admin)
    ids = [_waiting(admin, {"amt": 1.5}) for _ in range(3)]
    commits = []

    def committed(session):
        commits.append(session)

    event.listen(Session, "after_commit", committed)
    try:
        body = {"name": "payment_received", "correlation": {"amt": 1.5}, "all": True}
        sent = admin.post("/messages", json=body)
    finally:
        event.remove(Session, "after_commit", committed)
    assert sorted(sent.json["delivered_to"]) == sorted(ids)
    assert len(commits) == 1  # all three or none


def test_a_message_starts_a_process_at_its_message_start_event_not_its_none_start(admin):
    assert admin.deploy(DATA / "messages" / "two_starts.bpmn").status_code == 201
    sent = admin.post("/messages", json={"name": "qa_go", "variables": {"x": 1}})
    assert sent.status_code == 201, sent.json
    started = admin.get(f"/instances/{sent.json['started']}").json
    assert started["active_elements"] == ["Task_b"] and started["variables"]["x"] == 1
    history = admin.get(f"/instances/{started['id']}/history").json["items"]
    assert [h["element_id"] for h in history] == ["Start_msg", "Task_b"]
    by_hand = admin.post("/process-definitions/two_starts/instances", json={}).json
    assert by_hand["active_elements"] == ["Task_a"]


def test_a_process_only_a_message_starts_is_not_started_by_hand(admin):
    _deploy(admin)
    refused = admin.post("/process-definitions/order_intake/instances", json={})
    assert refused.status_code == 409 and "'order_placed'" in refused.json["message"]
    assert refused.json["details"]["start_messages"] == ["order_placed"]
    assert admin.get("/instances?key=order_intake").json["total"] == 0
    sent = admin.post("/messages", json={"name": "order_placed"})
    assert sent.status_code == 201 and sent.json["started"]


def test_a_user_correlates_only_with_instances_they_may_read(admin, as_user):
    _deploy(admin)
    uma = as_user("uma")
    theirs = _waiting(admin, {"order_no": 7}, business_key="ORD-1")
    hers = _waiting(uma, {"order_no": 8}, business_key="ORD-2")
    sent = uma.post("/messages", json={"name": "payment_received"})  # one match she may read, not two
    assert sent.status_code == 200 and sent.json["delivered_to"] == [hers], sent.json
    assert admin.get(f"/instances/{theirs}").json["active_elements"] == ["wait_payment"]


def test_instances_a_user_may_not_read_are_neither_reached_nor_revealed(admin, as_user):
    _deploy(admin)
    uma = as_user("uma")
    theirs = _waiting(admin, {"order_no": 7}, business_key="ORD-1")
    nobody = "no instance is waiting for message 'payment_received' and no process starts on it"
    for body in ({"business_key": "ORD-1"}, {"correlation": {"order_no": 7}}, {"all": True}):
        sent = uma.post("/messages", json={"name": "payment_received", **body})
        assert sent.status_code == 404 and sent.json["message"] == nobody, (body, sent.json)
    admin.post(f"/instances/{theirs}/suspend")  # a suspended match is a 409 to whoever may read it
    sent = uma.post("/messages", json={"name": "payment_received", "business_key": "ORD-1"})
    assert sent.status_code == 404 and sent.json["message"] == nobody
    assert admin.get(f"/instances/{theirs}").json["active_elements"] == ["wait_payment"]


def test_an_operator_correlates_with_every_instance_of_the_tenant(admin, as_user):
    _deploy(admin)
    theirs = _waiting(admin, {}, business_key="ORD-1")
    operator = as_user("opal", roles="operator")
    sent = operator.post("/messages", json={"name": "payment_received", "business_key": "ORD-1"})
    assert sent.status_code == 200 and sent.json["delivered_to"] == [theirs]


ZEEBE_PAYMENT = DATA / "messages" / "zeebe_payment.bpmn"


def _zeebe_orders(api, *order_ids) -> dict:
    assert api.deploy(ZEEBE_PAYMENT).status_code == 201
    started = {}
    for order_id in order_ids:
        body = {"variables": {"order": {"id": order_id}}}
        started[order_id] = api.post("/process-definitions/zeebe_payment/instances", json=body).json["id"]
    return started


def test_a_message_reaches_the_instance_whose_zeebe_correlation_key_it_names(admin):
    orders = _zeebe_orders(admin, "A-1", "A-2")
    sent = admin.post("/messages", json={"name": "payment_received", "correlation_key": "A-2"})
    assert sent.status_code == 200, sent.json
    assert sent.json["delivered_to"] == [orders["A-2"]]
    assert admin.get(f"/instances/{orders['A-1']}").json["active_elements"] == ["paid"]


def test_a_correlation_key_no_subscription_has_is_a_404_saying_so(admin):
    _zeebe_orders(admin, "A-1")
    sent = admin.post("/messages", json={"name": "payment_received", "correlation_key": "B-9"})
    assert sent.status_code == 404, sent.json
    assert "correlation key 'B-9'" in sent.json["message"]
