"""Job workers the Camunda 8 model tests call (registered when the test module imports this)."""

from __future__ import annotations

from app.handlers import BpmnError, service_handler


@service_handler("z8.label")
def label(variables: dict, idempotency_key: str) -> dict:
    return {"label": f"order of {variables['total']}"}


@service_handler("z8.rate")
def rate(variables: dict, idempotency_key: str) -> dict:
    return {"rating": "gold" if variables["total"] > 100 else "standard"}


@service_handler("z8.price")
def price(variables: dict, idempotency_key: str, headers: dict) -> dict:
    """Answers more than the model maps (a status, the breakdown); its currency and price list come
    from the task's zeebe:taskHeaders, as a Camunda 8 worker reads a job's custom headers."""
    total = 10.0 * variables["request"]["lineCount"]
    currency, price_list = headers["currency"].lower(), headers["priceList"]
    return {"total": total, "currency": currency, "status": "priced", "breakdown": [price_list, total]}


@service_handler("z8.publish")
def publish(variables: dict, idempotency_key: str, headers: dict) -> dict:
    """A Camunda 8 message throw event's worker: it is what sends the message."""
    return {"sent": [*variables.get("sent", []), headers["template"]]}


@service_handler("z8.charge")
def charge(variables: dict, idempotency_key: str) -> dict:
    """Declines the card with error variables of its own, as a Camunda 8 worker's throwError does."""
    raise BpmnError("DECLINED", "card declined", {"reason": "expired", "attempt": 3})
