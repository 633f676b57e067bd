"""The task page: instructions, key variables, the diagram, and the form that completes the task."""

from __future__ import annotations

import json
from uuid import UUID

from flask import flash, g, redirect, render_template, request, url_for

from app.errors import Conflict, Forbidden, ValidationError
from app.services import forms as form_service
from app.services import inbox as inbox_service
from app.services import signatures as signature_service
from app.services import tasks as task_service
from app.services.instances import get_instance, history
from app.web import web_bp
from app.web.auth import login_required

KEY_VARIABLES = 20


def _key_variables(variables: dict) -> list[tuple[str, str]]:
    """The first variables by name, each shortened to a line: enough to orient, not a data dump."""
    shown = []
    for name in sorted(variables)[:KEY_VARIABLES]:
        text = json.dumps(variables[name], default=str, ensure_ascii=False)
        shown.append((name, text if len(text) <= 120 else text[:117] + "…"))
    return shown


def _task_page(task, values=None, errors=None, status=200):
    user = g.web_user
    instance = get_instance(user.tenant_id, task.instance_id)
    schema = form_service.form_schema(user.tenant_id, task.form)
    path = [e["element_id"] for e in history(user.tenant_id, instance.id) if e["state"] != "active"]
    return render_template(
        "web/task.html",
        task=task,
        instance=instance,
        variables=_key_variables(instance.variables or {}),
        form=task.form,
        schema=schema,
        values=values if values is not None else form_service.initial_values(task.form, instance.variables),
        data=instance.variables or {},
        errors=errors or {},
        path=path,
        colleagues=inbox_service.colleagues(user),
        needs=signature_service.requirements_for(task),
    ), status


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


@web_bp.post("/tasks/<uuid:task_id>")
@login_required
def complete(task_id: UUID):
    user = g.web_user
    task = task_service.get_task(user, task_id)
    submitted = submitted_values(task.form, form_service.form_schema(user.tenant_id, task.form))
    decision, reason = request.form.get("decision"), request.form.get("reason") or None
    signature = {"decision": decision} if decision else None
    try:
        # The service checks the form's values (the browser's checks are only a courtesy).
        task_service.complete_task(user, task.id, submitted, signature=signature, reason=reason)
    except Conflict as exc:
        flash(exc.message, "error")
        return redirect(url_for("web.task_page", task_id=task.id))
    except (ValidationError, Forbidden) as exc:
        fields = form_errors(exc) if isinstance(exc, ValidationError) else None
        if fields is not None:
            flash("Some values need your attention; see the messages next to the fields.", "error")
            return _task_page(task, values=submitted, errors=fields, status=422)
        # A missing decision or reason, or a signer without the role: shown next to the sign-off fields.
        field = "reason" if "reason" in exc.message else "decision"
        return _task_page(task, values=submitted, errors={field: exc.message}, status=422)
    return _what_next(task)


def _what_next(done):
    following = inbox_service.next_task_for(g.web_user, done.instance_id)
    label = done.name or done.element_id
    if following is not None:
        flash(f"“{label}” is done. Next: {following.name or following.element_id}.", "success")
        return redirect(url_for("web.task_page", task_id=following.id))
    flash(f"“{label}” is done. Nothing else in this case is waiting for you.", "success")
    return redirect(url_for("web.index"))
