"""Request and response shapes of tokens, the audit trail, signatures and secrets."""

from __future__ import annotations

import json

from marshmallow import Schema, fields, post_load, validate

from app.schemas.core import PageSchema
from app.schemas.loading import Request, require_ordered
from app.services.signatures import shown_name, values_digest


class TokenCreateSchema(Request):
    name = fields.String(load_default="api", validate=validate.Length(min=1, max=150))
    expires_in_days = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(1, 3650))


class TokenSchema(Schema):
    id = fields.UUID()
    name = fields.String()
    prefix = fields.String()
    created_at = fields.DateTime()
    expires_at = fields.DateTime(allow_none=True)
    revoked_at = fields.DateTime(allow_none=True)


class AuditQuerySchema(PageSchema):
    actor = fields.String(load_default=None)
    action = fields.String(load_default=None)
    object_type = fields.String(load_default=None)
    object_id = fields.String(load_default=None)
    instance_id = fields.UUID(
        load_default=None,
        metadata={"description": "entries about one instance: the instance's own and its tasks'"},
    )
    since = fields.DateTime(load_default=None)
    until = fields.DateTime(load_default=None)

    @post_load
    def _ordered(self, data: dict, **kwargs) -> dict:
        return require_ordered(data, "since", "until")


class AuditSealSchema(Schema):
    seq = fields.Integer()
    hash = fields.String()
    sealed_at = fields.String()
    key_id = fields.String()
    signature = fields.String()


class AuditEntrySchema(Schema):
    seq = fields.Integer()
    at = fields.String()
    actor = fields.String()
    action = fields.String()
    object_type = fields.String()
    object_id = fields.String()
    before = fields.Raw(allow_none=True)
    after = fields.Raw(allow_none=True)
    reason = fields.String(allow_none=True)
    prev_hash = fields.String()
    hash = fields.String()


class SignatureSchema(Schema):
    id = fields.UUID()
    task_id = fields.UUID()
    element_id = fields.String()
    approver = fields.String(metadata={"description": "the signer's username"})
    printed_name = fields.Function(
        shown_name,
        metadata={
            "description": "the signer's printed name (21 CFR 11.50), as signed: their display name at "
            "signing, else their username (signatures before scheme 4 recorded only the username)"
        },
    )
    role = fields.String()
    decision = fields.String()
    reason = fields.String(allow_none=True)
    signed_at = fields.String()
    key_id = fields.String()
    signature = fields.String()
    scheme = fields.Integer(
        metadata={"description": "what the signature binds: 3 binds the values too, 4 the printed name too"}
    )
    values = fields.Function(
        lambda sig: None if sig.signed_values is None else json.loads(sig.signed_values),
        allow_none=True,
        metadata={"description": "the values the completion submitted, as signed (scheme 3; else null)"},
    )
    values_sha256 = fields.Function(
        values_digest,
        allow_none=True,
        metadata={"description": "SHA-256 of the canonical JSON of `values`, the digest signed"},
    )


class SecretSetSchema(Request):
    value = fields.String(required=True, validate=validate.Length(min=1, max=10_000))


class SecretSchema(Schema):
    name = fields.String()
    updated_by = fields.String(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class ReasonSchema(Request):
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))
