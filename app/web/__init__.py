"""The inbox pages: server-rendered HTML on a signed session cookie, beside the token-based API."""

from datetime import timedelta
from urllib.parse import urlparse

from flask import Blueprint

web_bp = Blueprint(
    "web", __name__, template_folder="templates", static_folder="static", static_url_path="/assets"
)


@web_bp.record_once
def _configure_session(state) -> None:
    """Session cookie flags: never readable by scripts, not sent cross-site, HTTPS-only off localhost."""
    app = state.app
    host = urlparse(app.config["BATON"].BASE_URL).hostname or ""
    local = host in ("localhost", "127.0.0.1", "::1") or app.config.get("TESTING")
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["SESSION_COOKIE_SECURE"] = app.config.get("SESSION_COOKIE_SECURE") or not local
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=8)


from app.web import auth, bell, pages, process_pages, sla_pages, task_pages  # noqa: E402,F401  (routes register on web_bp)
