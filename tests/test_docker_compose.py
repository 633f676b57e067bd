"""No Docker engine runs here: check the production shape's file instead."""

import yaml

from tests.conftest import ROOT


def _compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_defines_the_production_services():
    assert set(_compose()["services"]) == {"postgres", "redis", "web", "worker", "timers", "beat"}


def test_web_runs_migrations_then_gunicorn():
    command = _compose()["services"]["web"]["command"]
    assert command.index("db upgrade") < command.index("gunicorn")
    assert "app.wsgi:app" in command


def test_worker_and_beat_run_celery_on_redis():
    services = _compose()["services"]
    assert services["worker"]["command"][:4] == ["celery", "-A", "app.celery_worker:celery", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "app.celery_worker:celery", "beat"]
    for name in ("web", "worker", "timers", "beat"):
        env = services[name]["environment"]
        assert env["REDIS_URL"].startswith("redis://redis:6379")
        assert env["DATABASE_URL"].startswith("postgresql://")


def test_timers_have_a_worker_that_slow_handlers_cannot_hold_up():
    services = _compose()["services"]
    assert services["worker"]["command"][-2:] == ["-Q", "handlers"]
    assert services["timers"]["command"][:4] == ["celery", "-A", "app.celery_worker:celery", "worker"]
    assert services["timers"]["command"][-2:] == ["-Q", "celery"]
