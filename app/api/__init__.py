"""The JSON API under /api/v1. Every route needs a bearer token except health and the OpenAPI document."""

from __future__ import annotations

from flask import Blueprint, g, request

from app.api.access import check_endpoint
from app.services.identity import authenticate_token

api_bp = Blueprint("api", __name__, url_prefix="/api/v1")

PUBLIC_ENDPOINTS = {"api.health", "api.openapi"}


@api_bp.before_request
def _authenticate() -> None:
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    header = request.headers.get("Authorization", "")
    scheme, _, raw = header.partition(" ")
    g.user = authenticate_token(raw.strip() if scheme.lower() == "bearer" else None)
    check_endpoint(g.user, request.endpoint)


from app.api import (  # noqa: E402,F401  (route modules register themselves on api_bp)
    brief,
    decisions,
    deployments,
    incidents,
    instances,
    messages,
    meta,
    notifications,
    security,
    tasks,
)
