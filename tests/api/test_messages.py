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
