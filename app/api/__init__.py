"""The JSON API under /api/v1. Every route needs a bearer token except health and the OpenAPI document."""

from __future__ import annotations

import json

from flask import Blueprint, g, request

from app.api.access import check_endpoint
from app.errors import UnsupportedMediaType, ValidationError
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


def json_body():
    """The request's JSON body, or None when it has none.

    A body that is not JSON is refused, never read as empty: a start or a completion must not go
    ahead without the values its sender meant to give."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        return None
    if not request.is_json:
        sent = request.mimetype or "no Content-Type"
        raise UnsupportedMediaType(
            f"the request body must be JSON (Content-Type: application/json), not {sent}"
        )
    try:
        return json.loads(raw, parse_constant=_not_json)
    except ValueError as exc:  # (UnicodeDecodeError too)
        raise ValidationError(f"the request body is not valid JSON: {exc}", {"field": "body"})


def _not_json(name: str):
    # Python's parser takes NaN and Infinity, which JSON has not: no variable may hold one.
    raise ValueError(f"{name} is not a JSON value")


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
