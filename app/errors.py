"""Domain errors and the one handler that turns them into JSON problems."""

from __future__ import annotations

from uuid import UUID

from flask import Flask, jsonify, make_response, request
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.exceptions import NotFound as NoRoute


class BatonError(Exception):
    """Base of every error a user can cause; carries its HTTP status and a machine code."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, details: dict | list | None = None):
        super().__init__(message)
        self.message = message
        self.details = details or {}


class ValidationError(BatonError):
    """A 400. Its details always hold `fields` (field -> messages), the shape schema errors have; one
    raised about a single `field` keeps that key too (clients read it)."""

    status, code = 400, "validation_error"

    def __init__(self, message: str, details: dict | list | None = None):
        if isinstance(details, dict) and "field" in details and "fields" not in details:
            details = {**details, "fields": {details["field"]: [message]}}
        super().__init__(message, details)


class Unauthorized(BatonError):
    status, code = 401, "unauthorized"


class Forbidden(BatonError):
    status, code = 403, "forbidden"


class NotFound(BatonError):
    status, code = 404, "not_found"


class Conflict(BatonError):
    status, code = 409, "conflict"


class UnsupportedMediaType(BatonError):
    status, code = 415, "unsupported_media_type"


class Unprocessable(BatonError):
    status, code = 422, "unprocessable"


class TooManyRequests(BatonError):
    status, code = 429, "too_many_requests"


class Unavailable(BatonError):
    status, code = 503, "unavailable"


def problem(code: str, message: str, status: int, details=None):
    response = jsonify({"error": code, "message": message, "details": details or {}})
    response.status_code = status
    return response


def register_error_handlers(app: Flask, page=None, api_prefix: str = "/api/") -> None:
    """JSON problems for the API; for anything else a browser asked for, `page(status, message)`.

    (A blueprint's own handlers only see its routes: an unknown URL, a wrong method or a bad path
    parameter has no blueprint, so the choice is made here, by path.)
    """

    def respond(code: str, message: str, status: int, details=None):
        if page is not None and not request.path.startswith(api_prefix):
            return page(status, message)
        return problem(code, message, status, details)

    @app.errorhandler(BatonError)
    def _domain(err: BatonError):
        return respond(err.code, err.message, err.status, err.details)

    @app.errorhandler(HTTPException)
    def _http(err: HTTPException):
        code = (err.name or "error").lower().replace(" ", "_")
        message, details = err.description or err.name, None
        if isinstance(err, MethodNotAllowed) and err.valid_methods:
            allowed = [m for m in err.valid_methods if m not in ("HEAD", "OPTIONS")]
            message = f"{request.method} is not allowed here; this URL takes {', '.join(allowed)}"
            details = {"allowed": allowed}
        elif isinstance(err, NoRoute) and request.url_rule is None and request.path.startswith(api_prefix):
            message, details = _no_route(app, request.method, request.path)
        response = make_response(respond(code, message, err.code or 500, details))
        # The exception's own headers (a 405's Allow, which HTTP requires of it), not its HTML type.
        for name, value in err.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

    @app.errorhandler(StaleDataError)
    def _stale(err: StaleDataError):
        # A write found its row changed or gone under it (an instance's lock_version moved on),
        # wherever the ORM flushed: a lost race, answered as commit_step answers it. (The session
        # is rolled back at teardown.)
        app.logger.info("stale write answered with a 409: %s", err)
        message = "what this request changed was changed by someone else at the same time; reload and retry"
        return respond(Conflict.code, message, Conflict.status)

    @app.errorhandler(Exception)
    def _unexpected(err: Exception):
        app.logger.exception("unhandled error")
        return respond("internal_error", "An unexpected error occurred; it has been logged.", 500)


def _no_route(app: Flask, method: str, path: str) -> tuple[str, dict]:
    """Why no API route matched `path`: most often an id that is no UUID (a Camunda client's numeric
    or prefixed id), which the route would match with a UUID in that place."""
    adapter, parts = app.url_map.bind("localhost"), path.split("/")
    for index, part in enumerate(parts):
        if part and not _is_uuid(part):
            trial = "/".join([*parts[:index], str(UUID(int=0)), *parts[index + 1 :]])
            try:
                adapter.match(trial, method)
            except HTTPException:
                continue
            return f"'{part}' is not an id here: ids in paths are UUIDs", {"path": path, "segment": part}
    return f"no route {method} {path}; the routes are in /api/v1/openapi.json", {"path": path}


def _is_uuid(text: str) -> bool:
    try:
        UUID(text)
    except ValueError:
        return False
    return True
