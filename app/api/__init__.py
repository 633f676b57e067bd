"""The JSON API under /api/v1. Every route needs a bearer token except health and the OpenAPI document."""

from __future__ import annotations

import json

from flask import Blueprint, Response, current_app, g, request

from app.api.access import check_endpoint
from app.api.contract import CONTRACTS
from app.errors import UnsupportedMediaType, ValidationError
from app.request_text import refuse_unstorable_json, refuse_unstorable_request
from app.services.identity import authenticate_token

api_bp = Blueprint("api", __name__, url_prefix="/api/v1")

PUBLIC_ENDPOINTS = {"api.health", "api.openapi"}


@api_bp.before_request
def _options() -> Response | None:
    # OPTIONS says which methods a URL takes, as a 405 does to anyone: no token needed, no body.
    # (First of the hooks, so authentication does not refuse it.)
    if request.method != "OPTIONS":
        return None
    response = current_app.make_default_options_response()
    response.status_code = 204
    del response.headers["Content-Type"]
    return response


@api_bp.before_request
def _authenticate() -> None:
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    header = request.headers.get("Authorization", "")
    scheme, _, raw = header.partition(" ")
    g.user = authenticate_token(raw.strip() if scheme.lower() == "bearer" else None)
    check_endpoint(g.user, request.endpoint)


api_bp.before_request(refuse_unstorable_request)  # (after the token: an anonymous caller learns nothing)


@api_bp.before_request
def _refuse_what_the_route_does_not_take() -> None:
    # A route with a query or body schema refuses unknown names as it loads it; one that takes
    # none would ignore them, so a misspelt filter (?asignee=) would answer everything.
    contract = CONTRACTS.get(request.endpoint or "")
    if contract is None:
        return
    if contract.query is None and request.args:
        _refuse("query parameter", list(request.args), "none")
    if contract.body is None and request.content_length:
        body = json_body()
        if body not in (None, {}):
            _refuse("field", list(body) if isinstance(body, dict) else [], "no request body")


def _refuse(kind: str, names: list[str], takes: str):
    named = f"unknown {kind} {', '.join(repr(name) for name in names)}: " if names else ""
    fields = {name: [f"Unknown {kind}."] for name in names}
    raise ValidationError(f"{named}this route takes {takes}", {"fields": fields})


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
        body = json.loads(raw, parse_constant=_not_json)
    except ValueError as exc:  # (UnicodeDecodeError too)
        raise ValidationError(f"the request body is not valid JSON: {exc}", {"field": "body"})
    except RecursionError:
        raise _too_deep()
    if raw.count(b"[") + raw.count(b"{") > MAX_DEPTH and _deeper_than(body, MAX_DEPTH):
        raise _too_deep()
    refuse_unstorable_json(raw, body)
    return body


# Values are copied, converted and stored by recursive code (the engine, FEEL, JSON columns): a
# body nested hundreds of levels deep would exhaust Python's stack there. No form or model needs
# more than a few levels; 64 is far above them and far below the stack.
MAX_DEPTH = 64


def _deeper_than(value, limit: int) -> bool:
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        for child in children:
            if isinstance(child, dict | list):
                if depth + 1 > limit:
                    return True
                stack.append((child, depth + 1))
    return False


def _too_deep() -> ValidationError:
    return ValidationError(
        f"the request body is nested more than {MAX_DEPTH} levels deep; that is the limit",
        {"field": "body", "max_depth": MAX_DEPTH},
    )


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
