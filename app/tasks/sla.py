"""The SLA check: warnings and breaches are recorded on time even for instances nobody touches."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="baton.check_sla")
def check_sla() -> int:
    """Record SLA warnings (80 %) and breaches (100 %) of every running clock; returns how many changed."""
    from app.services.sla import check_open_clocks

    return check_open_clocks()
