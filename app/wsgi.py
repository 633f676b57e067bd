"""The WSGI entry point (gunicorn app.wsgi:app). The only module that builds the app at import."""

import gc

from app import create_app

app = create_app()
# What start-up built (parsed models, mappers, compiled templates) lives as long as the process: out of
# the collector's reach, a full collection no longer walks it (a pause in the middle of a request).
gc.collect()
gc.freeze()
