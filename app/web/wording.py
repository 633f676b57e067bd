"""How the inbox says things in people's words: a form's labels, who finished a task and how, and
why an action on a task could not be done (the API's messages name ids; a page names people)."""

from __future__ import annotations

import re

from flask import g

from app.errors import BatonError, Conflict
from app.models.instances import SUSPENDED
from app.models.tasks import OPEN
from app.services.camunda_form_values import fields as camunda_fields
from app.services.case_story import TaskEnding
from app.services.form_values import GENERATED
from app.services.identity import find_user
from app.web import web_bp

_IDS = re.compile(r"\b(task|process instance|instance) [0-9a-f]{8}-[0-9a-f-]{27}\b")


def _without_ids(message: str, task: str = "this task") -> str:
    """An API message with its ids named in words: a task as `task`, an instance as "this case"."""
    return _IDS.sub(lambda found: task if found.group(1) == "task" else "this case", message)


@web_bp.app_template_global("field_labels")
def field_labels(form: dict | None, schema: dict | None) -> dict[str, str]:
    """Each field's label by the key its errors come under (a Camunda Form's: the dotted path)."""
    if not form:
        return {}
    if form.get("type") == GENERATED:
        return {field["id"]: field.get("label") or field["id"] for field in form.get("fields", [])}
    if not schema:
        return {}
    return {".".join(path): c.get("label") or path[-1] for path, c, _ in camunda_fields(schema)}


@web_bp.app_template_global("form_js_errors")
def form_js_errors(schema: dict, errors: dict) -> list[dict]:
    """A Camunda Form's server errors for camunda-form.js: each with its field's key path and the
    component's id, which form-js keys its own errors by."""
    ids = {".".join(path): c.get("id") for path, c, _ in camunda_fields(schema)}
    return [{"key": key, "id": ids[key], "message": message} for key, message in errors.items() if key in ids]


@web_bp.app_template_global("person")
def person(username: str | None) -> str:
    """A user as people call them: the display name, else the username ("you" for oneself)."""
    if not username:
        return "someone"
    me = g.get("web_user")
    if me is not None and me.username == username:
        return "you"
    known = g.setdefault("people", {})  # (a page names the same few people again and again)
    if username not in known:
        user = find_user(username, me.tenant_id) if me is not None else None
        known[username] = (user.display_name if user is not None else None) or username
    return known[username]


def _when(moment) -> str:
    from app.web.pages import format_when

    return format_when(moment)


@web_bp.app_template_global("ending_summary")
def ending_summary(ending: TaskEnding) -> str:
    """The header line of a finished task, after its badge: "by ivan · 2026-12-06 22:50 UTC"."""
    if ending.kind == "completed":
        return f"by {person(ending.by)} · {_when(ending.at)}"
    return _when(ending.at)


@web_bp.app_template_global("ending_sentence")
def ending_sentence(ending: TaskEnding, subject: str = "This task") -> str:
    """How a task ended, as a sentence about `subject`."""
    at = _when(ending.at)
    if ending.kind == "completed":
        return f"{subject} was completed by {person(ending.by)} on {at}."
    if ending.kind == "case_cancelled":
        who = f"{as_subject(person(ending.by))} cancelled the case" if ending.by else "The case was cancelled"
        return f"{subject} was withdrawn on {at}. {who}{f': {ending.reason}' if ending.reason else '.'}"
    if ending.kind == "decided":
        done = f"{person(ending.by)} completed “{ending.step}”"
        if ending.same_step:
            return f"{subject} was withdrawn on {at}: the decision was already made when {done}."
        return f"{subject} was withdrawn on {at}, when {done}: the case went on without it."
    event = f", when “{ending.event}” happened" if ending.event else ""
    return f"{subject} was withdrawn on {at}: the case went on without it{event}."


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


@web_bp.app_template_filter("as_subject")
def as_subject(name: str) -> str:
    """A person at the start of a sentence: "You", or the name as written (never "Wp-alice")."""
    return "You" if name == "you" else name


_DECIDED = {"approve": "approved", "reject": "rejected", "defer": "deferred"}


@web_bp.app_template_global("decision_words")
def decision_words(decision: str | None) -> str:
    """A recorded decision as a verb: "approved", "rejected" (a reason without one: "answered")."""
    if not decision:
        return "answered"
    return _DECIDED.get(decision, f"decided “{decision}”")


def refusal(task, ending: TaskEnding | None, exc: BatonError, subject: str = "This task") -> str:
    """Why an action on `task` (as it is now) was refused, in the page's words."""
    if task.status != OPEN and ending is not None:
        return ending_sentence(ending, subject)
    if isinstance(exc, Conflict) and task.assignee and task.assignee != g.web_user.username:
        holder = person(task.assignee)
        return f"{holder} has claimed {_object(subject)}: only they or an admin can work on it."
    return _capital(_without_ids(exc.message, _object(subject)).rstrip(".")) + "."


def _object(subject: str) -> str:
    return "this task" if subject == "This task" else subject


def completion_refusal(task, instance_status: str, ending: TaskEnding | None, exc: BatonError) -> str:
    """Why a completion was refused, and whether what was typed is kept (while the task is open)."""
    if task.status != OPEN:
        return "Your input was not saved. " + refusal(task, ending, exc)
    if isinstance(exc, Conflict) and task.assignee and task.assignee != g.web_user.username:
        return refusal(task, ending, exc) + " What you entered is below; it was not saved."
    if instance_status == SUSPENDED:
        return (
            "This case is suspended: an operator must resume it before its tasks can be completed. "
            "Nothing was saved; your input is kept below."
        )
    return (
        "Someone changed this case at the same moment, so nothing was saved. "
        "Your input is kept below: complete the task again."
    )


_HEADINGS = {
    400: "That could not be done",
    401: "Sign in first",
    403: "Not allowed",
    404: "Not found",
    405: "Not possible on this page",
    409: "Already changed",
    413: "Too large",
    429: "Too many requests",
}
_UNKNOWN = (
    (re.compile(r"^process instance [0-9a-f-]{36} does not exist$"),
     "This case does not exist or is not yours to see."),
    (re.compile(r"^task [0-9a-f-]{36} (does not exist|is not assigned or offered to you)$"),
     "This task does not exist or is not yours to see."),
    (re.compile(r"^notification [0-9a-f-]{36} does not exist$"), "This notification does not exist."),
)  # fmt: skip


def error_heading(status: int) -> str:
    return _HEADINGS.get(status, "Something went wrong")


def error_message(status: int, message: str) -> str:
    """An error page's message in people's words: no ids, no HTTP jargon."""
    if status == 405:
        return "This address does not take what was sent to it: go back and use the page's buttons and links."
    for pattern, said in _UNKNOWN:
        if pattern.match(message):
            return said
    return _capital(_without_ids(message))
