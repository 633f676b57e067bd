"""The WSGI entry point (gunicorn app.wsgi:app). The only module that builds the app at import."""

from app import create_app

app = create_app()
