"""Handlers the service incident tests call (registered when the test module imports this)."""

from __future__ import annotations

from collections.abc import Callable

from app.handlers import service_handler

WHILE_CALLED: list[Callable] = []  # what happens elsewhere while the handler runs (a test sets it)


@service_handler("api.unreachable")
def unreachable(variables: dict, idempotency_key: str) -> dict:
    for happen in WHILE_CALLED:
        happen()
    raise ConnectionError("the ERP refuses connections")
