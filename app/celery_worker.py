"""The Celery worker and beat entry: `celery -A app.celery_worker:celery worker|beat`."""

import gc

from app import create_app
from app.handlers import load_handlers

flask_app = create_app()
celery = flask_app.extensions["celery"]
load_handlers()  # a handler module that fails to import stops the worker at start, not at first call
# What start-up built (the app, SQLAlchemy's and SpiffWorkflow's modules) lives as long as the
# process: moved out of the collector's reach (and inherited so by the forked pool), it is not
# walked again by every full collection. A timer batch creates enough objects to trigger one
# every few batches; they were a tenth of a fire's CPU.
gc.collect()
gc.freeze()
