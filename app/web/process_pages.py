"""Starting a process (with its start form), and the instance page with its history and diagram."""

from __future__ import annotations

from uuid import UUID

from flask import Response, flash, g, redirect, render_template, request, url_for

from app.errors import Forbidden, ValidationError
from app.models.instances import FAILED
from app.services import forms as form_service
from app.services import inbox as inbox_service
from app.services.instances import start_instance, startable_definition
from app.web import web_bp
from app.web.auth import login_required
from app.web.task_pages import case_failed, form_errors, submitted_values


@web_bp.get("/start")
@login_required
def start_page():
    return render_template("web/start.html", processes=inbox_service.startable_processes(g.web_user))


def _startable(key: str):
    user = g.web_user
    definition = startable_definition(user.tenant_id, key)
    if not inbox_service.may_start(user, definition):
        raise Forbidden(f"you may not start '{key}'")
    why_not = inbox_service.offered_for_start(definition)
    if why_not:
        raise Forbidden(f"'{definition.name or key}' cannot be started from the inbox: {why_not}")
    return definition


def _start_form_page(definition, values=None, errors=None, business_key="", status=200):
    form = (definition.meta or {}).get("start_form")
    return render_template(
        "web/start_form.html",
        definition=definition,
        form=form,
        schema=form_service.form_schema(g.web_user.tenant_id, form),
        values=values if values is not None else form_service.initial_values(form, {}),
        errors=errors or {},
        business_key=business_key,
    ), status


@web_bp.get("/start/<key>")
@login_required
def start_form(key: str):
    return _start_form_page(_startable(key))


@web_bp.post("/start/<key>")
@login_required
def start(key: str):
    user, definition = g.web_user, _startable(key)
    business_key = (request.form.get("business_key") or "").strip()[:255] or None
    form = (definition.meta or {}).get("start_form")
    submitted = submitted_values(form, form_service.form_schema(user.tenant_id, form))
    try:
        # The service checks the start form's values, as a task's: the browser's checks are a courtesy.
        instance, _ = start_instance(key, user, submitted, business_key)
    except ValidationError as exc:
        errors = form_errors(exc)
        if errors is None:
            raise
        return _start_form_page(definition, submitted, errors, business_key or "", 422)
    started = f"Started {definition.name or key}{f' ({business_key})' if business_key else ''}"
    if instance.status == FAILED:
        return case_failed(instance, f"{started}, but the case stopped with a problem.")
    following = inbox_service.next_task_for(user, instance.id)
    flash(f"{started}.", "success")
    if following is not None:
        return redirect(url_for("web.task_page", task_id=following.id))
    return redirect(url_for("web.instance_page", instance_id=instance.id))


@web_bp.get("/instances/<uuid:instance_id>")
@login_required
def instance_page(instance_id: UUID):
    overview = inbox_service.instance_overview(g.web_user, instance_id)
    return render_template("web/instance.html", **overview)


@web_bp.get("/instances/<uuid:instance_id>/diagram.bpmn")
@login_required
def diagram(instance_id: UUID):
    xml = inbox_service.diagram_xml(g.web_user, instance_id)
    return Response(xml, mimetype="application/xml", headers={"Cache-Control": "private, max-age=300"})
