"""The SLA page: the open instances the user may see with their SLA state, and the figures."""

from __future__ import annotations

from flask import g, render_template, request

from app.services import sla_reports
from app.web import web_bp
from app.web.auth import login_required


@web_bp.get("/sla")
@login_required
def sla_page():
    process = request.args.get("process") or None
    report = sla_reports.figures(sla_reports.user_scope(g.web_user, process))
    return render_template("web/sla.html", report=report, process=process or "")
