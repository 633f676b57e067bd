"""Message correlation and signals."""

from __future__ import annotations

from flask import g, jsonify

from app.api import api_bp, json_body
from app.schemas.core import MessageSchema, SignalSchema
from app.schemas.loading import load
from app.services.messages import correlate_message
from app.services.signals import send_signal


@api_bp.post("/messages")
def post_message():
    data = load(MessageSchema, json_body())
    result = correlate_message(
        g.user,
        data["name"],
        data["business_key"],
        data["correlation"],
        data["variables"],
        data["all"],
        data["correlation_key"],
        data["local_correlation"],
    )
    return jsonify(result), 201 if result["started"] else 200


@api_bp.post("/signals")
def post_signal():
    data = load(SignalSchema, json_body())
    return jsonify(send_signal(g.user, data["name"], data["variables"]))
