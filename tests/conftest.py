"""Test harness: real PostgreSQL, schema built once by the migrations, each test in a savepoint.

Set BATON_TEST_DATABASE_URL to point elsewhere; the database is dropped and created at session start.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import psycopg
import pytest
from flask_migrate import upgrade
from sqlalchemy import orm
from sqlalchemy import text as sa_text
from sqlalchemy.engine import make_url

from app import create_app
from app.config import Config
from app.extensions import db

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
SHARED = Path(os.environ.get("BATON_SHARED_DIR", ROOT.parent / "shared"))
TEST_DB_URL = os.environ.get(
    "BATON_TEST_DATABASE_URL", "postgresql+psycopg://postgres@localhost:5432/baton_test"
)


def recreate_database(url: str) -> None:
    parsed = make_url(url)
    admin = parsed.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{parsed.database}"')


def make_config(url: str = TEST_DB_URL, **extra) -> Config:
    return Config(
        DATABASE_URL=url, SECRET_KEY="test-secret-key", TESTING=True, BATON_ADMIN_TOKEN=None, extra=extra
    )


def _migrated_app(url: str):
    """An app on `url` with the schema built by the migrations; its connections closed after."""
    application = create_app(make_config(url))
    with application.app_context():
        upgrade()
    yield application
    with application.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def app():
    recreate_database(TEST_DB_URL)
    yield from _migrated_app(TEST_DB_URL)


@pytest.fixture
def db_session(app):
    """Everything a test writes lives in one outer transaction that is rolled back at the end."""
    with app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
        factory = orm.sessionmaker(
            bind=connection,
            join_transaction_mode="create_savepoint",
            query_cls=db.Query,
            expire_on_commit=False,
        )
        original, db.session = db.session, orm.scoped_session(factory)
        try:
            yield db.session
        finally:
            db.session.remove()
            db.session = original
            outer.rollback()
            connection.close()


@pytest.fixture
def client(app, db_session):
    return app.test_client()


def password_of(username: str) -> str:
    """The password make_user gives `username`: what they sign in and re-authenticate a signature with."""
    return "pw-" + username


def signature(api: Api | str, decision: str = "approve", **extra) -> dict:
    """The signature block `api`'s user (or a username) completes a signed task with: the decision and
    their own password, as 21 CFR 11.200(a)(1) asks at each signing."""
    username = api if isinstance(api, str) else api.username
    return {"decision": decision, "password": password_of(username), **extra}


class Api:
    """Calls the JSON API as one user, the way an HTTP client would."""

    def __init__(self, client, token: str, username: str | None = None):
        self.client, self.token, self.username = client, token, username

    def _headers(self, extra=None):
        return {"Authorization": f"Bearer {self.token}", **(extra or {})}

    def get(self, path, **kw):
        return self.client.get(f"/api/v1{path}", headers=self._headers(kw.pop("headers", None)), **kw)

    def post(self, path, json=None, **kw):
        return self.client.post(
            f"/api/v1{path}", json=json, headers=self._headers(kw.pop("headers", None)), **kw
        )

    def deploy(self, *paths: Path, name: str = "test", **form):
        files = [(p.open("rb"), p.name) for p in paths]
        data = {"files": files, "name": name, **form}
        return self.client.post(
            "/api/v1/deployments", data=data, headers=self._headers(), content_type="multipart/form-data"
        )

    def deploy_bytes(self, files: dict[str, bytes], name: str = "test", **form):
        import io

        files_field = [(io.BytesIO(content), fname) for fname, content in files.items()]
        data = {"files": files_field, "name": name, **form}
        return self.client.post(
            "/api/v1/deployments", data=data, headers=self._headers(), content_type="multipart/form-data"
        )


@pytest.fixture
def make_user(db_session):
    from app.services import identity

    def make(username=None, *, admin=False, groups=(), roles="user", display_name=None) -> Api:
        username = username or f"user-{uuid.uuid4().hex[:8]}"
        role = "admin" if admin else roles
        identity.create_user(username, roles=role, password=password_of(username), display_name=display_name)
        for group in groups:
            identity.add_to_group(username, group)
        return identity.create_token(username)

    return make


@pytest.fixture
def admin(client, make_user) -> Api:
    return Api(client, make_user("admin", admin=True), "admin")


@pytest.fixture
def as_user(client, make_user):
    def login(username=None, **kw) -> Api:
        username = username or f"user-{uuid.uuid4().hex[:8]}"
        return Api(client, make_user(username, **kw), username)

    return login


COMMITS_DB_URL = TEST_DB_URL.rsplit("/", 1)[0] + "/" + make_url(TEST_DB_URL).database + "_commits"


@pytest.fixture(scope="session")
def committed_app():
    """An app on its own database where requests commit for real (concurrency, workers).

    Tests using it are marked `commits`; every table is emptied after each of them.
    """
    recreate_database(COMMITS_DB_URL)
    yield from _migrated_app(COMMITS_DB_URL)


def _admin_of(application) -> Api:
    from app.services import identity

    with application.app_context():
        identity.create_user("admin", roles="admin")
        return Api(application.test_client(), identity.create_token("admin"))


@pytest.fixture
def committed_admin(committed_app):
    yield _admin_of(committed_app)
    with committed_app.app_context():
        tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
        # The audit table refuses TRUNCATE by trigger; test teardown (as superuser) skips triggers.
        db.session.execute(sa_text("SET LOCAL session_replication_role = replica"))
        db.session.execute(sa_text(f"TRUNCATE {tables} CASCADE"))
        db.session.commit()
        db.session.remove()


@pytest.fixture
def sqlite_app(tmp_path):
    """The embedded default: an app on its own SQLite file, where requests commit for real."""
    yield from _migrated_app(f"sqlite:///{tmp_path / 'baton.db'}")


@pytest.fixture
def sqlite_admin(sqlite_app) -> Api:
    return _admin_of(sqlite_app)
