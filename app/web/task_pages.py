"""The task page: instructions, key variables, the diagram, and the form that completes the task."""

from __future__ import annotations

import json
from uuid import UUID

from flask import flash, g, redirect, render_template, request, url_for
from markupsafe import Markup

from app.errors import Conflict, Forbidden, TooManyRequests, ValidationError
from app.models.instances import FAILED
from app.models.tasks import OPEN
from app.services import case_story, delegate_choices, reauthentication
from app.services import duties as duty_service
from app.services import forms as form_service
from app.services import inbox as inbox_service
from app.services import signatures as signature_service
from app.services import tasks as task_service
from app.services.bundles import bundle_for_id, definition_facts
from app.services.instance_history import history
from app.services.instances import get_instance, task_variables
from app.web import web_bp
from app.web.auth import login_required
from app.web.pages import offer_of
from app.web.wording import completion_refusal

KEY_VARIABLES = 20
DECISIONS = ("approve", "reject")
PASSWORD_REFUSALS = (
    reauthentication.WRONG,
    reauthentication.MISSING,
    reauthentication.NO_PASSWORD,
    reauthentication.THROTTLED,
)


def _key_variables(variables: dict) -> list[tuple[str, str]]:
    """The first variables by name, each shortened to a line: enough to orient, not a data dump."""
    shown = []
    for name in sorted(variables)[:KEY_VARIABLES]:
        text = json.dumps(variables[name], default=str, ensure_ascii=False)
        shown.append((name, text if len(text) <= 120 else text[:117] + "…"))
    return shown


def _task_page(task, values=None, errors=None, status=200, sign_off=None, needs=None, unsent=None):
    """The page; after a refused completion, with everything that was sent and every error."""
    user = g.web_user
    needs = needs or signature_service.requirements_for(task)
    instance = get_instance(user.tenant_id, task.instance_id)
    schema = form_service.form_schema(user.tenant_id, task.form)
    entries = history(user.tenant_id, instance.id)
    facts = definition_facts(instance.definition_id)
    seen = task_variables(instance, task.id) if task.form else instance.variables  # (its local inputs too)
    return render_template(
        "web/task.html",
        task=task,
        instance=instance,
        process_name=(facts.name if facts else None) or instance.definition_key,
        variables=_key_variables(instance.variables or {}),
        instructions=case_story.instructions(task, instance.variables or {}),
        ending=case_story.task_ending(task),
        decided=_decided(user, instance, entries),
        form=task.form,
        schema=schema,
        values=values if values is not None else form_service.initial_values(task.form, seen),
        data=seen or {},
        errors=errors or {},
        sign_off=sign_off or {},
        unsent=unsent or {},
        path=[e["element_id"] for e in case_story.path_taken(entries)],
        delegates=delegate_choices.delegates_for(user, task),
        needs=needs,
        signer_name=signature_service.printed_name(user),
        kept_from=_kept_from(user, task, instance),
    ), status


def _decided(user, instance, entries: list[dict]) -> list[dict]:
    """Who decided what so far in the case (approvals, sign-offs, with their reasons), oldest first."""
    found = case_story.decisions(user.tenant_id, entries)
    names = case_story.element_names(instance)
    return [
        {**found[str(e["task_id"])], "by": e["completed_by"], "at": e["exited_at"],
         "step": e["name"] or names.get(e["element_id"], e["element_id"])}
        for e in entries
        if str(e["task_id"]) in found
    ]  # fmt: skip


def _kept_from(user, task, instance) -> str | None:
    """Why the model keeps this user from the task (four eyes), if it does."""
    if task.status != "open":
        return None
    element = bundle_for_id(instance.definition_id).elements.get(task.element_id, {})
    return duty_service.reason_against(user.username, instance, element, task)


@web_bp.get("/tasks/<uuid:task_id>")
@login_required
def task_page(task_id: UUID):
    return _task_page(task_service.get_task(g.web_user, task_id))


def submitted_values(form: dict | None, schema: dict | None) -> dict:
    """What the browser sent for `form`'s fields: form-js's JSON, or the generated form's inputs."""
    if form and form.get("type") == form_service.CAMUNDA_FORM and schema:
        try:
            data = json.loads(request.form.get("form_data") or "{}")
        except ValueError:
            data = {}
        sent = data if isinstance(data, dict) else {}
    else:
        # A checkbox posts a hidden "false" then "true" when ticked: the last value wins.
        sent = {key: values[-1] for key, values in request.form.lists()}
    return form_service.declared_values(form, schema, sent)


def form_errors(exc: ValidationError) -> dict | None:
    """The per-field messages of a refused form submission (None: the error is about something else)."""
    found = (exc.details or {}).get("fields") if isinstance(exc.details, dict) else None
    return found if isinstance(found, dict) else None


def sign_off_errors(needs: dict, decision: str | None, reason: str | None, password: str | None) -> dict:
    """The sign-off's errors in the page's words (the service checks the same, one at a time)."""
    errors = {}
    if needs["signature_role"] and decision not in DECISIONS:
        errors["decision"] = "Choose approve or reject."
    if needs["signature_role"] and not password:
        errors["password"] = "Enter your password to sign."  # noqa: S105 (a message, not a password)
    if not (reason or "").strip() and (needs["reason_required"] or decision == "reject"):
        errors["reason"] = "Give a reason." if needs["reason_required"] else "Give a reason for rejecting."
    return errors


@web_bp.post("/tasks/<uuid:task_id>")
@login_required
def complete(task_id: UUID):
    user = g.web_user
    task = task_service.get_task(user, task_id)
    submitted = submitted_values(task.form, form_service.form_schema(user.tenant_id, task.form))
    sign_off = {"decision": request.form.get("decision"), "reason": request.form.get("reason") or None}
    # The password re-authenticates the signer; never in sign_off, which a refused page shows again.
    password = request.form.get("password") or None
    signature = {"decision": sign_off["decision"], "password": password} if sign_off["decision"] else None
    try:
        # The service checks the form's values (the browser's checks are only a courtesy).
        done = task_service.complete_task(
            user, task.id, submitted, signature=signature, reason=sign_off["reason"]
        )
    except Conflict as exc:
        return _conflicted(task.id, submitted, sign_off, exc)
    except (ValidationError, Forbidden, TooManyRequests) as exc:
        fields = _field_errors(exc)
        # All at once: the sign-off's errors join the fields' (the service stops at the fields). A
        # missing decision, reason or password, or a signer without the role, shows by the sign-off.
        refusal = None if fields is not None else exc
        return _refused(task, submitted, fields or {}, sign_off, password, refusal)
    return _what_next(task, done.instance)


def _field_errors(exc) -> dict | None:
    """The form's fields' errors (the sign-off's own, `signature.*`, are said in the page's words)."""
    fields = form_errors(exc) if isinstance(exc, ValidationError) else None
    if fields is None:
        return None
    # (a service's one-field error is a list of messages, as marshmallow's are: shown as text)
    said = {key: " ".join(map(str, v)) if isinstance(v, list) else v for key, v in fields.items()}
    return {key: value for key, value in said.items() if not key.startswith("signature.")}


def _refused(task, submitted: dict, errors: dict, sign_off: dict, password, refused=None):
    """The page again (422, 429 after too many wrong passwords) with what was sent, never the
    password. Sign-off rules are read only on this path."""
    needs = signature_service.requirements_for(task)
    errors = {**errors, **sign_off_errors(needs, sign_off["decision"], sign_off["reason"], password)}
    if refused is not None and not errors:  # a refusal the page cannot foresee (a wrong password)
        errors[_refusal_key(needs, refused)] = refused.message
    status = 429 if isinstance(refused, TooManyRequests) else 422
    return _task_page(task, submitted, errors, status, sign_off, needs)


def _refusal_key(needs: dict, refused) -> str:
    """Which part of the sign-off a refusal is about."""
    if reauthentication.refusal_of(refused) in PASSWORD_REFUSALS:
        return "password"
    return "reason" if "reason" in refused.message else "decision" if needs["signature_role"] else "_form"


def _conflicted(task_id, submitted: dict, sign_off: dict, exc: Conflict):
    """A completion that lost to a rival (claimed, completed, withdrawn, the case changed): say so in
    the page's words, and keep what was typed while the task is still open."""
    task = case_story.task_now(g.web_user, task_id)
    ending = case_story.task_ending(task)
    status = get_instance(g.web_user.tenant_id, task.instance_id).status
    flash(completion_refusal(task, status, ending, exc), "error")
    if task.status != OPEN:
        return _task_page(task, status=409)
    return _task_page(task, submitted, {}, 409, sign_off, unsent=submitted)


def _what_next(done, instance):
    label = f"“{done.name or done.element_id}”"
    if instance.status == FAILED:
        return case_failed(instance, f"{label} is done, but the case stopped with a problem.")
    following = inbox_service.next_task_for(g.web_user, done.instance_id)
    if following is not None:
        name = following.name or following.element_id
        flash(f"{label} is done. Next: {name} ({offer_of(following)}).", "success")
        return redirect(url_for("web.task_page", task_id=following.id))
    flash(f"{label} is done. Nothing else in this case is waiting for you.", "success")
    return redirect(url_for("web.index"))


def case_failed(instance, said: str):
    """Say that the case stopped with an incident, with a link to the case's page that shows it."""
    page = url_for("web.instance_page", instance_id=instance.id)
    flash(Markup('{} <a href="{}">Open the case</a> to see the incident.').format(said, page), "error")
    return redirect(url_for("web.index"))
