"""The minutely checks: SLA warnings and breaches recorded on time even for instances nobody
touches, and the audit chain sealed."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="baton.check_sla")
def check_sla() -> int:
    """Record SLA warnings (80 %) and breaches (100 %) of every running clock; returns how many changed."""
    from app.services.sla import check_open_clocks

    return check_open_clocks()


@shared_task(name="baton.seal_audit")
def seal_audit() -> int:
    """Sign every tenant's audit chain head that moved since its last seal; returns how many."""
    from app.services.audit_seals import seal_heads

    return seal_heads()
