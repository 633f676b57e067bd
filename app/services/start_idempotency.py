"""Idempotent starts: a start sent with an `Idempotency-Key` header, sent again (a client's retry
after a timeout), answers with the instance the first one started instead of starting another.

As in Stripe's API, a key names one request: the same user, process, business key and variables
(kept as a digest). Any other use of a key is a 409 naming what differs, never the first start's
instance. Two starts racing with one key meet at the unique index on (tenant_id, idempotency_key):
the loser's transaction is rolled back and it answers with the winner's instance.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import select

from app.errors import Conflict, ValidationError
from app.extensions import db
from app.models import ProcessInstance
from app.models.base import column_length

KEY_LENGTH = column_length(ProcessInstance, "idempotency_key")


@dataclass(frozen=True)
class KeyedStart:
    """A start sent with an idempotency key: who sent it, for what, and the digest of its variables."""

    key: str
    tenant_id: str
    username: str
    process_key: str
    business_key: str | None
    digest: str

    @classmethod
    def of(cls, key: str | None, actor, process_key: str, business_key, variables: dict) -> KeyedStart | None:
        if not key:
            return None
        if len(key) > KEY_LENGTH:
            raise ValidationError(
                f"the Idempotency-Key header is at most {KEY_LENGTH} characters", {"field": "Idempotency-Key"}
            )
        digest = request_digest(actor.username, process_key, business_key, variables)
        return cls(key, actor.tenant_id, actor.username, process_key, business_key, digest)

    def earlier(self) -> ProcessInstance | None:
        """The instance an earlier start with this key started, if this is the same request
        again (else a 409 naming what differs); None if the key is new."""
        existing = keyed_instance(self.tenant_id, self.key)
        return None if existing is None else replayed(existing, self)


def replayed(existing: ProcessInstance, start: KeyedStart) -> ProcessInstance:
    """The first instance, if this is the same request again; else a 409 naming what differs.

    As in Stripe's API, a key names one request: reusing it for another start is a client bug,
    and answering with the first start's instance would hide it (or hand out someone else's).
    """
    username, key, business_key, digest = start.username, start.process_key, start.business_key, start.digest
    differs = {}
    if existing.started_by != username:
        differs["user"] = "it was sent by another user"
    if existing.definition_key != key:
        differs["definition_key"] = f"it started process definition '{existing.definition_key}', not '{key}'"
    if existing.business_key != business_key:
        differs["business_key"] = (
            f"it was sent with business key {json.dumps(existing.business_key)}, "
            f"not {json.dumps(business_key)}"
        )
    if not differs and existing.idempotency_digest not in (None, digest):  # (None: kept before digests)
        differs["variables"] = "it was sent with other variables"
    if differs:
        raise Conflict(
            f"Idempotency-Key '{start.key}' was already used for another request: "
            + "; ".join(differs.values())
            + ". Use a new key for a new request",
            {"idempotency_key": start.key, "differs": sorted(differs)},
        )
    return existing


def request_digest(username: str, key: str, business_key: str | None, variables: dict) -> str:
    """What a keyed start asked for, canonically: the same request gives the same digest."""
    request = {"user": username, "key": key, "business_key": business_key, "variables": variables}
    canonical = json.dumps(request, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def keyed_instance(tenant_id: str, key: str) -> ProcessInstance | None:
    return db.session.execute(
        select(ProcessInstance).where(
            ProcessInstance.tenant_id == tenant_id, ProcessInstance.idempotency_key == key
        )
    ).scalar_one_or_none()
