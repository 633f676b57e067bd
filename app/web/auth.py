"""Signing in and out, the signed-in user on every request, CSRF tokens and the sign-in limits
(app.services.sign_ins)."""

from __future__ import annotations

import secrets
from functools import wraps
from urllib.parse import urlparse

from flask import abort, current_app, flash, g, redirect, render_template, request, session, url_for
from markupsafe import Markup

from app.extensions import db
from app.models import User
from app.request_text import refuse_unstorable_request
from app.services.sign_ins import SignInPaused, sign_in
from app.web import web_bp


def csrf_token() -> str:
    """The per-session token every form carries; created on first use."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def csrf_field() -> Markup:
    return Markup('<input type="hidden" name="csrf_token" value="{}">').format(csrf_token())


@web_bp.app_context_processor
def _template_helpers() -> dict:
    return {"csrf_field": csrf_field, "csrf_token": csrf_token, "current_user": g.get("web_user")}


@web_bp.before_request
def _load_user_and_check_csrf():
    g.web_user = None
    if request.endpoint in ("web.static", "web.favicon"):
        return None  # vendor files need no user: no database round trip per script
    load_user()
    if request.method != "POST":
        return None
    if g.web_user is None and request.endpoint != "web.login":
        return _sign_in_again()
    sent = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token", "")
    expected = session.get("csrf")
    # (bytes: compare_digest refuses str with non-ASCII characters, which a forged token may hold)
    if expected and secrets.compare_digest(sent.encode(), expected.encode()):
        return None
    if request.endpoint == "web.login":
        return None if _same_origin() else _sign_in_afresh()
    abort(400, "The form expired or did not come from this site; reload the page and try again.")


web_bp.before_request(refuse_unstorable_request)  # (after the session and CSRF check above)


def _same_origin() -> bool:
    """Whether the browser says this POST came from a page of this site.

    The sign-in form's token lives in the session, and a sign-in page left open outlives its
    session (or its cookie is cleared): the token it carries then matches nothing, and refusing it
    would refuse the person. What the token guards against here is login CSRF (another site posting
    its own credentials so that the victim works in the attacker's account). Browsers name the
    page a POST comes from in Origin (all current ones, on every POST) and Sec-Fetch-Site, which no
    page can forge or drop for a cross-site form: a sign-in they say is same-origin needs no token.
    Without either (an old browser, "Origin: null") the form is shown again with a fresh token.
    """
    if request.headers.get("Sec-Fetch-Site") == "same-origin":
        return True
    origin = request.headers.get("Origin")
    if not origin or origin == "null":
        return False
    base = urlparse(current_app.config["BATON"].BASE_URL)
    return urlparse(origin).netloc in (request.host, base.netloc)


def _sign_in_afresh():
    """The sign-in form again, with a token for this session: nothing was signed in."""
    flash(
        "The sign-in form had expired or did not come from this site, so you are not signed in yet. "
        "Sign in again.",
        "error",
    )
    return sign_in_page(400, (request.form.get("username") or "").strip())


def load_user() -> None:
    """g.web_user: the session's user while it is active and its password unchanged, else None."""
    g.web_user = None
    user_id = session.get("user_id")
    if user_id:
        user = db.session.get(User, _uuid(user_id))
        if user is not None and user.active and session.get("auth") == _auth_stamp(user):
            g.web_user = user
        else:
            session.clear()


def _sign_in_again():
    """A button pressed after the session ended (expired, or signed out in another tab).

    Nothing is done, so nothing needs the CSRF check: the person signs in and comes back to the
    page they were on, instead of reading that the form "expired".
    """
    if request.endpoint == "web.logout":
        return redirect(url_for("web.index"))
    flash("Your session has ended, so nothing was changed. Sign in to continue.", "error")
    return redirect(url_for("web.login_page", next=_page_left()))


def _page_left() -> str:
    """The same-site page the button was on: its `next` field, else the Referer."""
    if request.form.get("next"):
        return _safe_next(request.form["next"])
    referrer = urlparse(request.referrer or "")
    if referrer.netloc == request.host and referrer.path:
        return _safe_next(referrer.path + (f"?{referrer.query}" if referrer.query else ""))
    return url_for("web.index")


def _uuid(value):
    import uuid

    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def _auth_stamp(user: User) -> str:
    # Changing the password invalidates existing sessions: the stamp is part of the stored hash.
    return (user.password_hash or "")[-16:]


def login_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if g.web_user is None:
            return redirect(url_for("web.index", next=request.full_path))
        return view(*args, **kwargs)

    return wrapper


def _safe_next(target: str | None) -> str:
    # Only same-site paths: an attacker's ?next=https://evil must not turn sign-in into a redirector.
    # Browsers read "\\" as "/" and drop tabs and newlines ("/<tab>/evil" is "//evil" to them), so
    # neither may appear; a control character has no place in a path of ours either.
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return url_for("web.index")
    if any(ord(char) < 32 or ord(char) == 127 for char in target):
        return url_for("web.index")
    return target


def sign_in_page(status: int = 200, username: str = ""):
    # `next` comes in the query string (a redirect here) or the form (a failed attempt): keep it.
    return render_template("web/login.html", username=username, next=request.values.get("next", "")), status


@web_bp.get("/login")
def login_page():
    """The sign-in page at its own address (after a failed attempt the browser shows /login)."""
    if g.web_user is not None:
        return redirect(_safe_next(request.args.get("next")))
    return sign_in_page()


@web_bp.post("/login")
def login():
    # (no username is longer than the trail's object id: a longer one fails as any unknown name)
    username = (request.form.get("username") or "").strip()[:255]
    password = request.form.get("password") or ""
    try:  # (an unknown name fails as a wrong password does, in time too; the failure is audited)
        user = sign_in(username, password, request.remote_addr)
    except SignInPaused as paused:  # too many failures from this address, or for this account
        flash(paused.message, "error")
        page, status = sign_in_page(429, username)
        return page, status, {"Retry-After": str(paused.retry_after)}
    if user is None:
        flash("Unknown username or wrong password.", "error")
        return sign_in_page(401, username)
    session.clear()  # a fresh session on sign-in: no fixation of a pre-login cookie
    session.permanent = True
    session.update(user_id=str(user.id), auth=_auth_stamp(user))
    return redirect(_safe_next(request.form.get("next")))


@web_bp.post("/logout")
def logout():
    session.clear()
    flash("You are signed out.", "info")
    return redirect(url_for("web.index"))


# Scripts only from this site (bpmn-js and form-js are served from /assets); form-js sets inline styles.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


@web_bp.after_request
def _security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response
