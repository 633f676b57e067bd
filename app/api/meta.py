"""Health and the OpenAPI document."""

from __future__ import annotations

from flask import jsonify
from sqlalchemy import text

from app.api import api_bp
from app.api.openapi import openapi_document
from app.errors import Unavailable
from app.extensions import db


@api_bp.get("/health")
def health():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:
        raise Unavailable("the database is not reachable")
    return jsonify({"status": "ok"})


@api_bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document())
