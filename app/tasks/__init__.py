"""Celery tasks (thin: take ids, call a service) and the beat schedule."""

from __future__ import annotations

from flask import Flask


def init_celery(app: Flask) -> None:
    """Bind Celery to the app's configuration. The Celery issue fills this in."""
    app.extensions.setdefault("baton_after_commit", [])
