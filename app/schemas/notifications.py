"""Request and response shapes of the notifications API."""

from __future__ import annotations

from marshmallow import Schema, fields

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
