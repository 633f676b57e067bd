"""The inbox: the home page, claim / unclaim / delegate from the list, and HTML error pages."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from flask import flash, g, redirect, render_template, request, url_for
from markdown_it import MarkdownIt
from markupsafe import Markup

from app.errors import BatonError
from app.extensions import db
from app.models.base import as_utc
from app.services import case_story, delegate_choices, task_assignment
from app.services import inbox as inbox_service
from app.services import tasks as task_service
from app.web import web_bp
from app.web.auth import _safe_next, load_user, login_required, sign_in_page
from app.web.wording import error_heading, error_message, refusal

# Raw HTML in a model's documentation is shown as text, and markdown-it refuses javascript: links.
_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


@web_bp.app_template_filter("markdown")
def render_markdown(text: str | None) -> Markup:
    return Markup(_markdown.render(text or ""))  # noqa: S704  (html=False: the output holds no raw HTML)


@web_bp.app_template_filter("when")
def format_when(moment: datetime | None) -> str:
    # Stored and shown in UTC, and said so: a reader elsewhere must not take it for local time.
    return as_utc(moment).astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if moment else ""


@web_bp.app_template_global("offer_of")
def offer_of(task) -> str:
    """Who holds `task` or whom it is offered to, in words: "assigned to rita", "offered to group cfo"."""
    if task.assignee:
        you = g.get("web_user") is not None and g.web_user.username == task.assignee
        return "assigned to you" if you else f"assigned to {task.assignee}"
    groups, users = task.candidate_groups or [], task.candidate_users or []
    offers = [f"group{'s' if len(groups) > 1 else ''} {', '.join(groups)}"] if groups else []
    offers += [", ".join(users)] if users else []
    if offers:
        return f"offered to {' and '.join(offers)}"
    # (a model that names no one offers the task to all; one whose people came to nobody, to operators)
    return "offered to anyone" if task.offered_to_all else "offered to no one yet: an operator hands it on"


@web_bp.app_template_global("overdue")
def is_overdue(task) -> bool:
    return task.due is not None and as_utc(task.due) < datetime.now(UTC)


@web_bp.app_template_global("sla_state")
def sla_state(task) -> str | None:
    """A placeholder SLA reading driven by the due date alone: 'breached', 'at-risk' (< 24 h) or None."""
    if task.due is None:
        return None
    left = (as_utc(task.due) - datetime.now(UTC)).total_seconds()
    return "breached" if left < 0 else "at-risk" if left < 86400 else "on-track"


@web_bp.app_template_global("may_work")
def may_work(task) -> bool:
    """Whether the signed-in user may claim, complete, unclaim or delegate `task` (else: read only)."""
    return task_service.may_work_on(g.web_user, task)


def error_page(status: int, message: str):
    """The inbox's error page, for every browser request outside the API (app.errors picks it)."""
    if status >= 500:
        db.session.rollback()  # the page's header reads the bell: not on a failed transaction
    if request.blueprint != web_bp.name:
        load_user()  # an unknown URL has no blueprint, so the pages' before_request did not run
    return render_template(
        "web/error.html", status=status, heading=error_heading(status), message=error_message(status, message)
    ), status


@web_bp.get("/favicon.ico")
def favicon():
    # Browsers ask for it on their own (e.g. on a JSON page); the pages name the SVG themselves.
    return redirect(url_for("web.static", filename="favicon.svg"), 301)


@web_bp.get("/")
def index():
    if g.web_user is None:
        return sign_in_page()
    args = request.args
    page = inbox_service.inbox_page(
        g.web_user,
        tab=args.get("tab", "mine"),
        sort=args.get("sort", "priority"),
        process=args.get("process") or None,
        text=args.get("q") or None,
        page=args.get("page", 1, type=int),
    )
    return render_template(
        "web/inbox.html",
        inbox=page,
        tab=args.get("tab", "mine") if args.get("tab") in inbox_service.TABS else "mine",
        sort=args.get("sort", "priority"),
        process=args.get("process", ""),
        q=args.get("q", ""),
        delegates=delegate_choices.delegates_by_task(g.web_user, page.tasks),
    )


def _act(task_id: UUID, change, done_message):
    """Run a list action; a refusal (already claimed, not yours) comes back as a message, not a page."""
    try:
        task = change()
    except BatonError as exc:
        flash(_refusal(task_id, exc), "error")
    else:
        flash(done_message(task), "success")
    return redirect(_safe_next(request.form.get("next")))


def _refusal(task_id: UUID, exc: BatonError) -> str:
    """The refusal in the list's words, told from the task as it is now (a rival may have won)."""
    try:
        task = case_story.task_now(g.web_user, task_id)
    except BatonError:
        return "This task does not exist or is not yours to see."
    return refusal(task, case_story.task_ending(task), exc, _label(task))


def _label(task) -> str:
    return f"“{task.name or task.element_id}”"


@web_bp.post("/tasks/<uuid:task_id>/claim")
@login_required
def claim(task_id: UUID):
    return _act(task_id, lambda: task_assignment.claim_task(g.web_user, task_id), _claimed)


def _claimed(task) -> str:
    return f"You claimed {_label(task)}."


@web_bp.post("/tasks/<uuid:task_id>/unclaim")
@login_required
def unclaim(task_id: UUID):
    return _act(task_id, lambda: task_assignment.unclaim_task(g.web_user, task_id), _returned)


def _returned(task) -> str:
    if task.candidate_groups:
        return f"{_label(task)} is back in the queue of {', '.join(task.candidate_groups)}."
    if task.candidate_users:
        return f"{_label(task)} is offered again to {', '.join(task.candidate_users)}."
    return f"{_label(task)} is back in everyone's queue."


@web_bp.post("/tasks/<uuid:task_id>/delegate")
@login_required
def delegate(task_id: UUID):
    to = (request.form.get("to") or "").strip()
    return _act(
        task_id,
        lambda: task_assignment.delegate_task(g.web_user, task_id, to),
        lambda t: f"{_label(t)} is now assigned to {t.assignee}.",
    )
