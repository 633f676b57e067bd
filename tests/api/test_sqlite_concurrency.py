"""The embedded default (SQLite) under concurrent requests: a winner and clean 409s, never a 500,
and an intact audit chain. Real threads against the app on a SQLite file, with real commits."""

from tests.api.test_concurrency import _race
from tests.conftest import DATA, Api

ROUNDS = 3


def _apis(app, admin, count):
    return [Api(app.test_client(), admin.token) for _ in range(count)]


def _audit_chain_is_intact(app):
    with app.app_context():  # (else an app context another test left behind would be used)
        result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output


def test_parallel_completions_of_one_task_give_one_200_and_409s(sqlite_app, sqlite_admin):
    assert sqlite_admin.deploy(DATA / "simple" / "two_steps.bpmn").status_code == 201
    for _ in range(ROUNDS):
        started = sqlite_admin.post("/process-definitions/two_steps/instances", json={}).json
        task_id = started["tasks"][0]["id"]
        calls = [
            lambda a=a, t=task_id: a.post(f"/tasks/{t}/complete", json={"variables": {}})
            for a in _apis(sqlite_app, sqlite_admin, 4)
        ]
        responses = _race(*calls)
        assert sorted(r.status_code for r in responses) == [200, 409, 409, 409], [r.json for r in responses]
        instance = sqlite_admin.get(f"/instances/{started['id']}").json
        assert instance["active_elements"] == ["approve"]
    _audit_chain_is_intact(sqlite_app)


def test_parallel_claims_of_different_tasks_all_succeed(sqlite_app, sqlite_admin):
    assert sqlite_admin.deploy(DATA / "simple" / "two_steps.bpmn").status_code == 201
    started = [sqlite_admin.post("/process-definitions/two_steps/instances", json={}).json for _ in range(6)]
    calls = [
        lambda a=a, s=s: a.post(f"/tasks/{s['tasks'][0]['id']}/claim")
        for a, s in zip(_apis(sqlite_app, sqlite_admin, 6), started, strict=True)
    ]
    responses = _race(*calls)
    assert [r.status_code for r in responses] == [200] * 6, [r.json for r in responses]
    _audit_chain_is_intact(sqlite_app)


def test_parallel_claims_of_one_task_give_one_200_and_409s(sqlite_app, sqlite_admin):
    assert sqlite_admin.deploy(DATA / "simple" / "two_steps.bpmn").status_code == 201
    task_id = sqlite_admin.post("/process-definitions/two_steps/instances", json={}).json["tasks"][0]["id"]
    users = [sqlite_admin]
    with sqlite_app.app_context():
        from app.services import identity

        for name in ("ann", "bob", "cid"):
            identity.create_user(name, roles="admin")
            users.append(Api(sqlite_app.test_client(), identity.create_token(name)))
    responses = _race(*(lambda a=a: a.post(f"/tasks/{task_id}/claim") for a in users))
    assert sorted(r.status_code for r in responses) == [200, 409, 409, 409], [r.json for r in responses]
    _audit_chain_is_intact(sqlite_app)
