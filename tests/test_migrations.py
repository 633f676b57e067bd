"""`flask db upgrade` from empty must give exactly the schema the models declare."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade

from app import create_app
from app.extensions import db
from tests.conftest import make_config


def _differences(engine) -> list:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def test_migrations_build_the_models_schema_on_postgresql(app):
    with app.app_context():
        assert _differences(db.engine) == []


def test_migrations_build_the_models_schema_on_sqlite(tmp_path):
    sqlite_app = create_app(make_config(f"sqlite:///{tmp_path / 'baton.db'}"))
    with sqlite_app.app_context():
        upgrade()
        assert _differences(db.engine) == []
        db.engine.dispose()
