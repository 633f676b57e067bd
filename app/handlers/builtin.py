"""Handlers that ship with Baton: echo, a log notifier, and the Camunda invoice example's archive step."""

from __future__ import annotations

import logging

from app.handlers import service_handler

log = logging.getLogger(__name__)


@service_handler("baton.echo", "echo")
def echo(variables: dict, idempotency_key: str) -> dict:
    """Return the input unchanged under `echo` (useful to try a service task end to end)."""
    return {"echo": dict(variables), "echoed": True}


@service_handler("baton.log", "log", "notify")
def log_message(variables: dict, idempotency_key: str) -> dict:
    """Write `message` (or the variables) to the worker log."""
    log.info("process message [%s]: %s", idempotency_key, variables.get("message", variables))
    return {}


@service_handler(
    "org.camunda.bpm.example.invoice.service.ArchiveInvoiceService",
    "archiveInvoiceService",
)
def archive_invoice(variables: dict, idempotency_key: str) -> dict:
    """The invoice example's archive step: Camunda's Java delegate only logs; so does this, and
    adds no variable (the instance's variables end as they do on Camunda)."""
    log.info("archiving invoice %s", variables.get("invoiceNumber") or idempotency_key)
    return {}
