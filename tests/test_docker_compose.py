"""No Docker engine runs here: check the production shape's file instead."""

import yaml

from tests.conftest import ROOT


def _compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_defines_the_production_services():
    assert set(_compose()["services"]) == {"postgres", "redis", "web", "worker", "beat"}


def test_web_runs_migrations_then_gunicorn():
    command = _compose()["services"]["web"]["command"]
    assert command.index("db upgrade") < command.index("gunicorn")
    assert "app.wsgi:app" in command


def test_worker_and_beat_run_celery_on_redis():
    services = _compose()["services"]
    assert services["worker"]["command"][:4] == ["celery", "-A", "app.celery_worker:celery", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "app.celery_worker:celery", "beat"]
    for name in ("web", "worker", "beat"):
        env = services[name]["environment"]
        assert env["REDIS_URL"].startswith("redis://redis:6379")
        assert env["DATABASE_URL"].startswith("postgresql://")
