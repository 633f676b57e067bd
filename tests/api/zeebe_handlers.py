"""Job workers the Camunda 8 model tests call (registered when the test module imports this)."""

from __future__ import annotations

from app.handlers import service_handler


@service_handler("z8.label")
def label(variables: dict, idempotency_key: str) -> dict:
    return {"label": f"order of {variables['total']}"}


@service_handler("z8.rate")
def rate(variables: dict, idempotency_key: str) -> dict:
    return {"rating": "gold" if variables["total"] > 100 else "standard"}


@service_handler("z8.price")
def price(variables: dict, idempotency_key: str) -> dict:
    """Answers more than the model maps: a status and the price breakdown."""
    total = 10.0 * variables["request"]["lineCount"]
    return {"total": total, "currency": "eur", "status": "priced", "breakdown": [total]}
