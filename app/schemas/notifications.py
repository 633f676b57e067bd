"""Request and response shapes of the notifications API."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from app.schemas.core import PageSchema
from app.schemas.loading import JsonBoolean, Request


class NotificationQuerySchema(PageSchema):
    unread = fields.Boolean(load_default=False)


class NotificationSchema(Schema):
    id = fields.UUID()
    kind = fields.String()
    title = fields.String()
    body = fields.String(allow_none=True)
    link = fields.String(allow_none=True)
    instance_id = fields.UUID(allow_none=True)
    task_id = fields.UUID(allow_none=True)
    created_at = fields.DateTime()
    read_at = fields.DateTime(allow_none=True)


class PreferencesSchema(Request):
    """Channels a user hears on: `false` unsubscribes."""

    inapp = JsonBoolean()
    email = JsonBoolean()


class DeliveryQuerySchema(PageSchema):
    status = fields.String(
        load_default=None, validate=validate.OneOf(["queued", "pending", "running", "done", "failed"])
    )
    instance_id = fields.UUID(load_default=None)


class DeliverySchema(Schema):
    """An email or webhook delivery as an operator sees it (services/deliveries.describe)."""

    id = fields.UUID()
    channel = fields.String()
    status = fields.String()
    attempts = fields.Integer()
    max_attempts = fields.Integer()
    last_error = fields.String(allow_none=True)
    instance_id = fields.String(allow_none=True)
    event = fields.String(allow_none=True)
    subject = fields.String(allow_none=True)
    recipient = fields.String(
        allow_none=True, metadata={"description": "the email address, or the webhook's host"}
    )
    created_at = fields.DateTime()
    due_at = fields.DateTime()
