"""The inbox pages: server-rendered HTML on a signed session cookie, beside the token-based API."""

from datetime import timedelta
from urllib.parse import urlparse

from flask import Blueprint
from flask.sessions import SecureCookieSessionInterface

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


class PageSessionInterface(SecureCookieSessionInterface):
    """The signed session cookie, left unopened under `sessionless_prefix` (the token-based API).

    Opening it builds a signing serializer (itsdangerous dumps a probe to learn its kind) and parses
    the Cookie header: about a tenth of a small API request's CPU, for a session the API never reads.
    """

    def __init__(self, sessionless_prefix: str):
        self.sessionless_prefix = sessionless_prefix

    def open_session(self, app, request):
        if request.path.startswith(self.sessionless_prefix):
            return None  # Flask puts a NullSession in its place: nothing read, nothing saved
        return super().open_session(app, request)


from app.web import auth, bell, pages, process_pages, sla_pages, task_pages, wording  # noqa: E402,F401  (routes register on web_bp)
