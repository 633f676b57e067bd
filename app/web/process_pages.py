"""Starting a process, and the instance page with its history, incidents and diagram overlays."""

from __future__ import annotations

from uuid import UUID

from flask import Response, flash, g, redirect, render_template, request, url_for

from app.errors import Forbidden
from app.services import inbox as inbox_service
from app.services.instances import start_instance, startable_definition
from app.web import web_bp
from app.web.auth import login_required


@web_bp.get("/start")
@login_required
def start_page():
    return render_template("web/start.html", processes=inbox_service.startable_processes(g.web_user))


@web_bp.post("/start/<key>")
@login_required
def start(key: str):
    user = g.web_user
    if not inbox_service.may_start(user, startable_definition(user.tenant_id, key)):
        raise Forbidden(f"you may not start '{key}'")
    business_key = (request.form.get("business_key") or "").strip()[:255] or None
    instance, _ = start_instance(key, user, {}, business_key)
    following = inbox_service.next_task_for(user, instance.id)
    flash(f"Started {key}{f' ({business_key})' if business_key else ''}.", "success")
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
