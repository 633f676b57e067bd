"""Sealing the audit chain every minute (app.services.audit_seals)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="baton.seal_audit")
def seal_audit() -> int:
    """Sign every tenant's audit chain head that moved since its last seal; returns how many."""
    from app.services.audit_seals import seal_heads

    return seal_heads()
