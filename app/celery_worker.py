"""The Celery worker and beat entry: `celery -A app.celery_worker:celery worker|beat`."""

from app import create_app
from app.handlers import load_handlers

flask_app = create_app()
celery = flask_app.extensions["celery"]
load_handlers()  # a handler module that fails to import stops the worker at start, not at first call
