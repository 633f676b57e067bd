"""Users, tokens and deployed models for the bench, written through Baton's own services."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_PROCESS = ROOT / "scripts" / "bench_process"
BENCH_KEY = "bench_routing"
REMAN_KEY = "remanufacturing"
REMAN_GROUPS = ("receiving", "technicians", "inspectors", "QA", "shipping", "quality-engineers")
INBOX_GROUPS = tuple(f"g{n:02d}" for n in range(50))
INBOX_USER_GROUPS = INBOX_GROUPS[:5]


def model_files() -> list[tuple[str, bytes]]:
    paths = sorted(BENCH_PROCESS.glob("*.bpmn")) + sorted(BENCH_PROCESS.glob("*.dmn"))
    paths += [ROOT / "bpmn" / "remanufacturing.bpmn", ROOT / "dmn" / "inspection_routing.dmn"]
    return [(p.name, p.read_bytes()) for p in paths]


def create_fixtures(env: dict, reuse: bool = False) -> dict[str, str]:
    """Create the admin, the worker (every group the bench processes offer tasks to) and the inbox
    user (5 of the 50 inbox groups); deploy the models. Returns each user's API token.

    With `reuse` and the users already there (a kept database), only fresh tokens are made."""
    from app import create_app
    from app.config import Config
    from app.services import identity
    from app.services.deployments import deploy

    app = create_app(Config.from_env(env))
    with app.app_context():
        if reuse and identity.find_user("inbox") is not None:
            users = {"admin": "bench_admin", "bench_worker": "bench_worker", "inbox": "inbox"}
            return {key: identity.create_token(name, name="bench") for key, name in users.items()}
        admin = identity.create_user("bench_admin", roles="admin")
        tokens = {"admin": identity.create_token("bench_admin", name="bench")}
        for username, groups in (("bench_worker", ("bench", *REMAN_GROUPS)), ("inbox", INBOX_USER_GROUPS)):
            identity.create_user(username, roles="user")
            for group in groups:
                identity.add_to_group(username, group)
            tokens[username] = identity.create_token(username, name="bench")
        for group in INBOX_GROUPS:
            identity.ensure_group(group)
        deploy(model_files(), admin, name="bench")
        from app.extensions import db

        db.session.commit()
        db.engine.dispose()
    return tokens
