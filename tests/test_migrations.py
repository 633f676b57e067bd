"""`flask db upgrade` from empty must give exactly the schema the models declare."""

import importlib.util
import json
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.operations import Operations
from flask_migrate import upgrade

from app import create_app
from app.extensions import db
from tests.conftest import make_config


def _migration(revision: str):
    """One migration's module, to run its upgrade() on its own."""
    (path,) = (Path(__file__).parent.parent / "migrations" / "versions").glob(f"{revision}_*.py")
    spec = importlib.util.spec_from_file_location(f"migration_{revision}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


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


def test_the_audit_heads_migration_takes_each_tenants_last_entry(tmp_path):
    """An existing trail gets its heads from its last entries: it verifies after the upgrade, and
    the next append chains on."""
    from sqlalchemy import text

    from app.services import audit, audit_verify

    sqlite_app = create_app(make_config(f"sqlite:///{tmp_path / 'baton.db'}"))
    with sqlite_app.app_context():
        upgrade(revision="a61a3b6ff15d")  # the revision before the heads
        for tenant in ("default", "acme"):
            prev = audit.GENESIS
            for seq in (1, 2):
                fields = {"tenant_id": tenant, "seq": seq, "at": "2026-11-22T00:00:00+00:00", "actor": "cli",
                          "actor_id": None, "action": f"a{seq}", "object_type": "task", "object_id": "t",
                          "before": None, "after": None, "reason": None, "prev_hash": prev}  # fmt: skip
                row = {**fields, "hash": audit.entry_hash(fields)}
                db.session.execute(
                    text(
                        "INSERT INTO audit_entries (tenant_id, seq, at, actor, actor_id, action, object_type,"
                        " object_id, before, after, reason, prev_hash, hash) VALUES (:tenant_id, :seq, :at,"
                        " :actor, :actor_id, :action, :object_type, :object_id, :before, :after, :reason,"
                        " :prev_hash, :hash)"
                    ),
                    row,
                )
                prev = row["hash"]
        db.session.commit()
        upgrade()
        heads = dict(db.session.execute(text("SELECT tenant_id, seq FROM audit_heads")).all())
        audit.record("cli", "after.upgrade", ("task", "t"))
        db.session.commit()
        result = audit_verify.verify_chain()
        last = db.session.execute(text("SELECT max(seq) FROM audit_entries WHERE tenant_id = 'default'"))
        last_seq = last.scalar()
        db.engine.dispose()
    assert heads == {"default": 2, "acme": 2}
    assert result["ok"] and result["checked"] == 5, result
    assert last_seq == 3


def test_the_form_flags_migration_makes_required_true_in_definitions_and_tasks(tmp_path):
    """Deployments before it stored a constraint without config as null: it now reads true."""
    import uuid

    from sqlalchemy import insert, text

    from app.models import Definition, Deployment, DeploymentResource, ProcessInstance, UserTask

    form = {"type": "generated", "fields": [{"id": "n", "validation": {"required": None, "max": "9"}}]}
    sqlite_app = create_app(make_config(f"sqlite:///{tmp_path / 'baton.db'}"))
    with sqlite_app.app_context():
        upgrade(revision="c4d5e6f7a8b9")  # the revision before
        deployment = Deployment(tenant_id="default")
        resource = DeploymentResource(
            deployment=deployment, filename="p.bpmn", kind="bpmn", checksum="x", content=""
        )
        db.session.add_all([deployment, resource])
        db.session.flush()
        definition = Definition(
            tenant_id="default", kind="bpmn", key="p", version=1, status="published", checksum="x",
            deployment_id=deployment.id, resource_id=resource.id, meta={"elements": {"t": {"form": form}}},
        )  # fmt: skip
        db.session.add(definition)
        db.session.flush()
        # Columns of that revision only (the model has gained some since): a Core insert.
        instance_id = uuid.uuid4()
        db.session.execute(
            insert(ProcessInstance.__table__).values(
                id=instance_id, tenant_id="default", definition_id=definition.id, definition_key="p",
                definition_version=1, status="waiting", variables={}, active_elements=[], lock_version=1,
            )
        )  # fmt: skip
        task_id = uuid.uuid4()
        db.session.execute(
            insert(UserTask.__table__).values(id=task_id, tenant_id="default", instance_id=instance_id,
                                              definition_key="p", element_id="t", form=form)
        )  # fmt: skip
        db.session.commit()
        upgrade()
        meta = db.session.execute(text("SELECT meta FROM definitions")).scalar_one()
        task_form = db.session.execute(text("SELECT form FROM user_tasks")).scalar_one()
        db.engine.dispose()
    expected = {"required": True, "max": "9"}
    assert json.loads(meta)["elements"]["t"]["form"]["fields"][0]["validation"] == expected
    assert json.loads(task_form)["fields"][0]["validation"] == expected


def test_the_history_types_migration_turns_engine_class_names_into_bpmn_types(tmp_path):
    """Rows written before the fix named the engine's classes; after the upgrade they read as new rows do."""
    from sqlalchemy import select, text

    from app.models import UserTask
    from app.services import identity
    from app.services.deployments import deploy
    from app.services.instance_history import history
    from app.services.instances import start_instance
    from app.services.tasks import complete_task
    from tests.conftest import DATA

    sqlite_app = create_app(make_config(f"sqlite:///{tmp_path / 'baton.db'}"))
    with sqlite_app.app_context():
        upgrade()  # rows are written by today's services, then made to look as old ones did
        admin = identity.create_user("admin", roles="admin")
        files = [(p.name, p.read_bytes()) for p in (DATA / "engine" / "camunda_mi.bpmn",)]
        deploy(files, admin)
        instance, _ = start_instance("camunda_mi", admin, {"parts": [1, 2]})
        for task in db.session.execute(select(UserTask)).scalars().all():
            complete_task(admin, task.id)
        legacy = {"startEvent": "StartEvent", "task": "BatonSequentialMultiInstance", "endEvent": "EndEvent"}
        for new, old in legacy.items():
            db.session.execute(
                text("UPDATE history_entries SET element_type = :old WHERE element_type = :new"),
                {"old": old, "new": new},
            )
        db.session.commit()
        with db.engine.begin() as connection, Operations.context(MigrationContext.configure(connection)):
            _migration("c41d9e2a7b10").upgrade()
        types = [(e["element_id"], e["type"]) for e in history("default", instance.id)]
        db.engine.dispose()
    assert types[0] == ("start", "startEvent") and types[-1] == ("end", "endEvent")
    assert [t for e, t in types if e == "each_part"] == ["task", "task", "task"]  # the activity, 2 parts


def test_the_admin_role_migration_gives_flagged_admins_the_role(tmp_path):
    """A user who was admin by the dropped `is_admin` flag alone is admin by the role after the upgrade."""
    from sqlalchemy import text

    sqlite_app = create_app(make_config(f"sqlite:///{tmp_path / 'baton.db'}"))
    with sqlite_app.app_context():
        upgrade(revision="e7b1c4d2a9f3")  # the revision before the flag was dropped
        for name, flag, roles in (("flagged", True, "user"), ("bare", True, ""), ("both", True, "admin"),
                                  ("plain", False, "user")):  # fmt: skip
            db.session.execute(
                text(
                    "INSERT INTO users (id, tenant_id, username, is_admin, roles, active, created_at) "
                    "VALUES (:id, 'default', :name, :flag, :roles, :yes, '2026-12-01 00:00:00')"
                ),
                {"id": name.ljust(32, "0"), "name": name, "flag": flag, "roles": roles, "yes": True},
            )
        db.session.commit()
        upgrade()
        roles = dict(db.session.execute(text("SELECT username, roles FROM users")).all())
        db.engine.dispose()
    assert roles == {"flagged": "user,admin", "bare": "admin", "both": "admin", "plain": "user"}
