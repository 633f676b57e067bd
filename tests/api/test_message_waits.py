"""The waits of an instance a correlated message reaches."""

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


def test_a_message_sent_to_all_completes_every_wait(admin):
    iid = _start(admin, "parallel_pings")
    sent = _ping(admin, all=True)
    assert sent.status_code == 200 and sent.json["delivered_to"] == [iid], sent.json
    assert _open(admin, iid) == ["after_a", "after_b"]  # the receive task took it too
    assert admin.get(f"/instances/{iid}").json["variables"]["pinged"] is True
