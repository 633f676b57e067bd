"""Own API tokens, the audit trail, signatures of an instance, and handler secrets (names only)."""

from __future__ import annotations

from uuid import UUID

from flask import g, jsonify, request

from app.api import api_bp, json_body
from app.schemas.core import PageSchema
from app.schemas.loading import load
from app.schemas.security import (
    AuditEntrySchema,
    AuditQuerySchema,
    AuditSealSchema,
    SecretSchema,
    SecretSetSchema,
    SignatureSchema,
    TokenCreateSchema,
    TokenSchema,
)
from app.services import audit, audit_seals, audit_verify, secrets_store, signature_verification, tokens

token_schema = TokenSchema()
secret_schema = SecretSchema()


@api_bp.get("/tokens")
def list_tokens():
    """List my API tokens (never their values)."""
    items = tokens.list_tokens(g.user)
    return jsonify({"items": token_schema.dump(items, many=True), "total": len(items)})


@api_bp.post("/tokens")
def create_api_token():
    """Create an API token for me; the value is in this response only."""
    data = load(TokenCreateSchema, json_body())
    token, raw = tokens.issue_token(g.user, data["name"], data["expires_in_days"])
    return jsonify({**token_schema.dump(token), "token": raw}), 201


@api_bp.delete("/tokens/<uuid:token_id>")
def revoke_api_token(token_id: UUID):
    """Revoke one of my API tokens."""
    return jsonify(token_schema.dump(tokens.revoke_token(g.user, token_id)))


@api_bp.get("/audit")
def list_audit():
    """Audit entries of my tenant, newest first, with filters."""
    q = load(AuditQuerySchema, request.args)
    items, total = audit.list_entries(g.user.tenant_id, q, q["limit"], q["offset"])
    return jsonify({"items": AuditEntrySchema().dump(items, many=True), "total": total})


@api_bp.get("/audit/verify")
def verify_audit():
    """Check my tenant's audit hash chain; names the first broken entry."""
    return jsonify(audit_verify.verify_chain(g.user.tenant_id))


@api_bp.get("/audit/seals")
def list_audit_seals():
    """My tenant's signed chain checkpoints, newest first, with the public key that checks them."""
    q = load(PageSchema, request.args)
    items, total = audit_seals.list_seals(g.user.tenant_id, q["limit"], q["offset"])
    key = audit_seals.public_key()
    return jsonify({"items": AuditSealSchema().dump(items, many=True), "total": total, "key": key})


@api_bp.get("/instances/<uuid:instance_id>/signatures")
def list_signatures(instance_id: UUID):
    """The electronic signatures of an instance."""
    items = signature_verification.signatures_read_by(g.user, instance_id)
    return jsonify({"items": SignatureSchema().dump(items, many=True), "total": len(items)})


@api_bp.get("/instances/<uuid:instance_id>/signatures/verify")
def verify_signatures(instance_id: UUID):
    """Verify every signature of an instance against the stored decisions."""
    return jsonify(signature_verification.verify_instance(g.user.tenant_id, instance_id))


@api_bp.get("/secrets")
def list_secrets():
    """Names of the handler secrets (values are never returned)."""
    items = secrets_store.list_secrets(g.user.tenant_id)
    return jsonify({"items": secret_schema.dump(items, many=True), "total": len(items)})


@api_bp.put("/secrets/<name>")
def set_secret(name: str):
    """Create or replace a handler secret."""
    data = load(SecretSetSchema, json_body())
    return jsonify(secret_schema.dump(secrets_store.set_secret(g.user, name, data["value"])))


@api_bp.delete("/secrets/<name>")
def delete_secret(name: str):
    """Delete a handler secret."""
    secrets_store.delete_secret(g.user, name)
    return "", 204
