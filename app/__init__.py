"""Baton: a BPMN 2.0 / DMN process server."""

from __future__ import annotations

import logging

from flask import Flask

from app import pool_health, sqlite_locking
from app.config import Config
from app.json_provider import OrjsonProvider


class BatonFlask(Flask):
    """Flask, asking once per function whether a view or hook is a coroutine function: Flask asks
    inspect again on every call, six times a request (about 1 % of a B1 request's CPU)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._plain: set = set()  # views, hooks and handlers known to be plain functions

    def ensure_sync(self, func):
        key = getattr(func, "__func__", func)  # (a bound method is a new object at each access)
        if key in self._plain:
            return func
        ensured = super().ensure_sync(func)
        if ensured is func and len(self._plain) < _MAX_KNOWN:
            self._plain.add(key)
        return ensured


_MAX_KNOWN = 10_000  # (a handler made afresh for each call would otherwise fill it)


def create_app(config: Config | None = None) -> Flask:
    """Build the application: config -> extensions -> celery -> blueprints -> error handlers."""
    config = config or Config.from_env()
    app = BatonFlask(__name__, instance_relative_config=False)
    app.json = OrjsonProvider(app)
    app.config.from_mapping(config.flask_settings())
    _configure_logging()
    _trust_proxies(app, config.TRUSTED_PROXIES)

    from app.extensions import db, migrate

    db.init_app(app)
    pool_health.install()
    if config.is_sqlite:
        with app.app_context():
            sqlite_locking.install(db.engine)
    migrate.init_app(app, db, directory=_migrations_dir())
    from app import models  # noqa: F401  (registers every table on the metadata)
    from app.services import outcomes, signals, sla, workorders  # noqa: F401  (register their after-step hooks)
    from app.tasks import init_celery

    init_celery(app)

    from app.api import api_bp

    app.register_blueprint(api_bp)
    from app.web import PageSessionInterface, web_bp

    app.register_blueprint(web_bp)
    app.session_interface = PageSessionInterface(f"{api_bp.url_prefix}/")

    from app.errors import register_error_handlers
    from app.web.pages import error_page

    register_error_handlers(app, page=error_page)
    from app.cli import register_cli

    register_cli(app)
    _install_lazy_begin(app, config)
    return app


def _install_lazy_begin(app: Flask, config: Config) -> None:
    """On PostgreSQL, reads run outside a transaction until the first write (services/lazy_begin),
    once every module has registered its commit listeners."""
    if config.is_sqlite:
        return
    from app.extensions import db
    from app.services import lazy_begin, pending_writes

    pending_writes.run_last()
    with app.app_context():
        lazy_begin.install(db.engine)


def _trust_proxies(app: Flask, hops: int) -> None:
    """Behind `hops` reverse proxies, the client's address and scheme are what they forwarded:
    sign-in limits and the audit trail then see each client, not the proxy."""
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]


def _configure_logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    # SpiffWorkflow logs every task state change at INFO: per step that is a dozen formatted lines,
    # measurable CPU on the hot path and noise in the server log. Its warnings still show.
    logging.getLogger("spiff").setLevel(logging.WARNING)
    # Alembic announces each of its plugins at INFO whenever it is imported: seven lines at every
    # process start (each CLI command, web and Celery process). Migrations still log their steps.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)


def _migrations_dir() -> str:
    from pathlib import Path

    return str(Path(__file__).resolve().parent.parent / "migrations")
