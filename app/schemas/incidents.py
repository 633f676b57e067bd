"""Request and response shapes of the incidents API."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.schemas.core import PageSchema


class IncidentQuerySchema(PageSchema):
    instance_id = fields.UUID(load_default=None)
    status = fields.String(load_default=None, validate=validate.OneOf(["open", "resolved"]))


class IncidentSchema(Schema):
    id = fields.UUID()
    instance_id = fields.UUID()
    task_id = fields.UUID(allow_none=True)
    element_id = fields.String(allow_none=True)
    kind = fields.String()
    message = fields.String()
    status = fields.String()
    created_at = fields.DateTime()
    resolved_at = fields.DateTime(allow_none=True)
    resolved_by = fields.String(allow_none=True)
    resolution = fields.String(allow_none=True)
