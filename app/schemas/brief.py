"""Request and response shapes of the delegation, SLA and work-order routes."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.schemas.loading import Request


class DelegationCreateSchema(Request):
    delegate = fields.String(required=True, validate=validate.Length(1, 150))
    delegator = fields.String(load_default=None, allow_none=True)
    permanent = fields.Boolean(load_default=False)
    starts_at = fields.AwareDateTime(load_default=None, allow_none=True, default_timezone=None)
    ends_at = fields.AwareDateTime(load_default=None, allow_none=True)


class DelegationSchema(Schema):
    id = fields.UUID()
    delegator = fields.String()
    delegate = fields.String()
    kind = fields.String()
    starts_at = fields.DateTime(allow_none=True)
    ends_at = fields.DateTime(allow_none=True)
    created_by = fields.String()
    created_at = fields.DateTime()
    revoked_at = fields.DateTime(allow_none=True)


class SlaQuerySchema(Request):
    definition_key = fields.String(load_default=None)


class SlaSummaryQuerySchema(SlaQuerySchema):
    group_by = fields.String(load_default="definition", validate=validate.OneOf(["definition", "team"]))


class SlaEventSchema(Schema):
    kind = fields.String()
    at = fields.DateTime()
    elapsed_hours = fields.Float()


class LinkedOrderSchema(Request):
    ref = fields.String(required=True, validate=validate.Length(1, 100))
    definition_key = fields.String(required=True)
    title = fields.String(required=True, validate=validate.Length(1, 255))
    estimated_hours = fields.Float(load_default=0.0, validate=validate.Range(0))
    variables = fields.Dict(keys=fields.String(), load_default=dict)
    depends_on = fields.List(fields.String(), load_default=list)


class LinkOrdersSchema(Request):
    orders = fields.List(fields.Nested(LinkedOrderSchema), required=True, validate=validate.Length(1, 500))


class LinkSchema(Schema):
    id = fields.UUID()
    ref = fields.String(metadata={"description": "the ref the order was linked with (the link's answer)"})
    title = fields.String()
    definition_key = fields.String()
    status = fields.String()
    child_instance_id = fields.UUID(allow_none=True)
    depends_on = fields.List(fields.String())
    estimated_hours = fields.Float()
