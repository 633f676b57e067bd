"""The notifications bell in every signed-in page's header: the unread count, the latest few, mark read.

The browser marks notifications read through CSRF-protected forms on the session cookie, so no API
token ever reaches a page.
"""

from __future__ import annotations

from urllib.parse import urlparse
from uuid import UUID

from flask import g, redirect, request, url_for

from app.services import notification_bell as service
from app.web import web_bp
from app.web.auth import _safe_next, login_required

BELL_ITEMS = 8


@web_bp.app_template_global("bell")
def bell() -> tuple[list, int]:
    """(latest notifications, unread count) of the signed-in user; called only when the header renders."""
    if g.get("web_user") is None:
        return [], 0
    return service.list_notifications(g.web_user, limit=BELL_ITEMS)


@web_bp.app_template_filter("local_link")
def local_link(link: str | None) -> str | None:
    """A notification's absolute action URL as a path of this site (the same page behind any host name)."""
    if not link:
        return None
    parts = urlparse(link)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return path if path.startswith("/") and not path.startswith("//") else None


@web_bp.get("/notifications/<uuid:notification_id>")
@login_required
def open_notification(notification_id: UUID):
    """Follow a notification's link, marking it read: opening it is reading it.

    A GET that changes a row, on purpose: the bell's entries stay plain links (new tab, middle
    click), and the change is idempotent and touches only the signed-in user's own notification.
    """
    item = service.mark_read(g.web_user, notification_id)
    return redirect(local_link(item.link) or url_for("web.index"))


@web_bp.post("/notifications/<uuid:notification_id>/read")
@login_required
def read_notification(notification_id: UUID):
    service.mark_read(g.web_user, notification_id)
    return redirect(_safe_next(request.form.get("next")))


@web_bp.post("/notifications/read")
@login_required
def read_all_notifications():
    service.mark_all_read(g.web_user)
    return redirect(_safe_next(request.form.get("next")))
