"""My notifications (the inbox bell) and my per-channel subscriptions; email and webhook deliveries
for operators."""

from __future__ import annotations

from uuid import UUID

from flask import g, jsonify, request

from app.api import api_bp, json_body
from app.schemas.loading import load
from app.schemas.notifications import (
    DeliveryQuerySchema,
    DeliverySchema,
    NotificationQuerySchema,
    NotificationSchema,
    PreferencesSchema,
)
from app.services import deliveries
from app.services import notification_bell as service

notification_schema = NotificationSchema()


@api_bp.get("/notifications")
def list_notifications():
    """My notifications, newest first (`?unread=true` for unread only), with the unread count."""
    q = load(NotificationQuerySchema, request.args)
    items, unread = service.list_notifications(g.user, q["unread"], q["limit"], q["offset"])
    return jsonify({"items": notification_schema.dump(items, many=True), "unread": unread})


@api_bp.post("/notifications/<uuid:notification_id>/read")
def read_notification(notification_id: UUID):
    """Mark one of my notifications read."""
    return jsonify(notification_schema.dump(service.mark_read(g.user, notification_id)))


@api_bp.post("/notifications/read")
def read_all_notifications():
    """Mark all my notifications read."""
    return jsonify({"marked": service.mark_all_read(g.user)})


@api_bp.get("/notifications/preferences")
def get_notification_preferences():
    """Which channels I hear on."""
    return jsonify(service.preferences(g.user))


@api_bp.put("/notifications/preferences")
def set_notification_preferences():
    """Subscribe to or unsubscribe from channels: `{"email": false}`."""
    changes = load(PreferencesSchema, json_body())
    return jsonify(service.set_preferences(g.user, changes))


@api_bp.get("/deliveries")
def list_deliveries():
    """Email and webhook deliveries of my tenant, newest first (`?status=failed`: the dead letters)."""
    q = load(DeliveryQuerySchema, request.args)
    items, total = deliveries.list_deliveries(
        g.user.tenant_id, q["status"], q["instance_id"], q["limit"], q["offset"]
    )
    shown = [deliveries.describe(job) for job in items]
    return jsonify({"items": DeliverySchema().dump(shown, many=True), "total": total})


@api_bp.post("/deliveries/<uuid:delivery_id>/retry")
def retry_delivery(delivery_id: UUID):
    """Give a failed delivery a fresh round of attempts."""
    job = deliveries.retry_delivery(g.user, delivery_id)
    return jsonify(DeliverySchema().dump(deliveries.describe(job)))
