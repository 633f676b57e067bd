"""Own API tokens over HTTP: shown once, stored hashed, listed without values, revocable, expiring."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text

from app.models.base import utcnow
from app.services.identity import hash_token
from tests.conftest import Api


def _create(api: Api, **body):
    response = api.post("/tokens", json=body)
    assert response.status_code == 201, response.json
    return response.json


def test_a_new_token_is_shown_once_and_works(as_user, client, db_session):
    me = as_user("tina")
    created = _create(me, name="laptop", expires_in_days=30)
    assert created["token"].startswith("bt_") and created["expires_at"]
    fresh = Api(client, created["token"])
    listed = fresh.get("/tokens").json["items"]
    assert "laptop" in [t["name"] for t in listed]
    assert all("token" not in t and "token_hash" not in t for t in listed)
    stored = db_session.execute(text("SELECT token_hash FROM api_tokens WHERE name = 'laptop'")).scalar_one()
    assert stored == hash_token(created["token"]) and created["token"] not in stored


def test_a_revoked_token_is_refused(as_user, client):
    me = as_user("tina")
    created = _create(me, name="ci")
    fresh = Api(client, created["token"])
    assert fresh.get("/tokens").status_code == 200
    revoked = client.delete(f"/api/v1/tokens/{created['id']}", headers=me._headers())
    assert revoked.status_code == 200 and revoked.json["revoked_at"]
    refused = fresh.get("/tokens")
    assert refused.status_code == 401 and refused.json["message"] == "the API token is not valid"
    again = client.delete(f"/api/v1/tokens/{created['id']}", headers=me._headers())
    assert again.status_code == 409


def test_an_expired_token_is_refused(as_user, client, db_session):
    created = _create(as_user("tina"), name="short", expires_in_days=1)
    db_session.execute(
        text("UPDATE api_tokens SET expires_at = :t WHERE id = :id"),
        {"t": utcnow() - timedelta(seconds=1), "id": created["id"]},
    )
    refused = Api(client, created["token"]).get("/tokens")
    assert refused.status_code == 401 and "expired" in refused.json["message"]


def test_someone_elses_token_cannot_be_revoked(as_user, client):
    theirs = _create(as_user("tina"), name="theirs")
    mallory = as_user("mallory")
    assert client.delete(f"/api/v1/tokens/{theirs['id']}", headers=mallory._headers()).status_code == 404
    assert Api(client, theirs["token"]).get("/tokens").status_code == 200


def test_token_creation_and_revocation_are_audited(as_user, client, admin):
    me = as_user("tina")
    created = _create(me, name="audited")
    client.delete(f"/api/v1/tokens/{created['id']}", headers=me._headers())
    entries = admin.get(f"/audit?object_id={created['id']}").json["items"]
    assert [e["action"] for e in entries] == ["token.revoke", "token.create"]
    assert all(created["token"] not in str(e) for e in entries)


def _token_reads(app, fn) -> int:
    """How many statements read api_tokens while `fn` runs."""
    from sqlalchemy import event

    from app.extensions import db

    seen = []

    def note(_conn, _cursor, statement, *_args):
        if "FROM api_tokens" in statement:
            seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        fn()
    finally:
        event.remove(engine, "before_cursor_execute", note)
    return len(seen)


def test_a_token_just_seen_is_trusted_without_reading_it_again(app, as_user):
    me = as_user("tina")
    assert me.get("/tasks").status_code == 200
    assert _token_reads(app, lambda: me.get("/tasks")) == 0


def test_a_cached_user_joins_the_session_as_if_loaded(app, as_user, db_session):
    from app.services import auth_cache
    from app.services.identity import authenticate_token

    me = as_user("tina")
    assert me.get("/tasks").status_code == 200
    entry = auth_cache.lookup(hash_token(me.token), utcnow())
    user = auth_cache.attach(entry)
    assert user.username == "tina" and user in db_session and user not in db_session.dirty
    assert authenticate_token(me.token) is user  # the same session never holds two copies
    assert user.group_names == []  # lazy relationships load through the session


def test_a_revoke_outside_the_process_holds_until_the_cache_entry_ages(
    as_user, client, db_session, monkeypatch
):
    from app.services import identity

    created = _create(as_user("tina"), name="cached")
    fresh = Api(client, created["token"])
    assert fresh.get("/tokens").status_code == 200
    # Written behind the ORM's back (psql, another server): this process cannot know at once.
    db_session.execute(text("UPDATE api_tokens SET revoked_at = now() WHERE id = :id"), {"id": created["id"]})
    assert fresh.get("/tokens").status_code == 200
    later = utcnow() + timedelta(seconds=3)  # past BATON_AUTH_CACHE_SECONDS (2)
    monkeypatch.setattr(identity, "utcnow", lambda: later)
    assert fresh.get("/tokens").status_code == 401


def test_a_new_group_membership_counts_on_the_next_request(admin, as_user):
    from app.services import identity
    from tests.scenarios.flow import deploy, start

    deploy(admin, "leave_request.bpmn")
    start(admin, "leave_request", days=2)
    mona = as_user("mona")
    assert mona.get("/tasks").json["total"] == 0
    identity.add_to_group("mona", "managers")
    assert mona.get("/tasks").json["total"] == 1
