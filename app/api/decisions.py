"""Evaluating decisions directly."""

from __future__ import annotations

from flask import g, jsonify

from app.api import api_bp, json_body
from app.schemas.core import EvaluateSchema, load
from app.services.decisions import evaluate_decision


@api_bp.post("/decisions/<key>/evaluate")
def evaluate(key: str):
    data = load(EvaluateSchema, json_body())
    return jsonify({"result": evaluate_decision(g.user, key, data["variables"])})
