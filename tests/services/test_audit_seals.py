"""Signed seals of the audit chain: a database writer without the server's seal key can re-chain the
trail so the chain alone verifies, but not past a seal; the seals are append-only and checkable
offline with the public key GET /audit/seals gives."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app.extensions import db
from app.services import audit, audit_seals, audit_verify

REPLICA = text("SET LOCAL session_replication_role = replica")  # (the table owner's way past triggers)


def _trail(n: int) -> None:
    for k in range(n):
        audit.record("cli", f"step.{k}", ("task", f"t-{k}"))
    db.session.flush()


def _last_seq() -> int:
    return db.session.execute(text("SELECT seq FROM audit_heads WHERE tenant_id = 'default'")).scalar()


def _rechain_from(seq: int, reason: str) -> None:
    """What someone with the application's database rights can do: change an entry and recompute
    every later hash and the head, so the chain alone verifies."""
    db.session.execute(REPLICA)
    db.session.execute(text("UPDATE audit_entries SET reason = :r WHERE seq = :s"), {"r": reason, "s": seq})
    rows = db.session.execute(text("SELECT * FROM audit_entries WHERE seq >= :s ORDER BY seq"), {"s": seq})
    prev = db.session.execute(text("SELECT hash FROM audit_entries WHERE seq = :s"), {"s": seq - 1}).scalar()
    for row in rows.mappings().all():
        fields = {**{k: row[k] for k in audit.HASHED}, "prev_hash": prev or audit.GENESIS}
        prev = audit.entry_hash(fields)
        db.session.execute(
            text("UPDATE audit_entries SET prev_hash = :p, hash = :h WHERE id = :i"),
            {"p": fields["prev_hash"], "h": prev, "i": row["id"]},
        )
    db.session.execute(text("UPDATE audit_heads SET hash = :h WHERE tenant_id = 'default'"), {"h": prev})


def test_a_rechained_trail_passes_the_chain_but_not_its_seal(db_session):
    _trail(4)
    assert audit_seals.seal_heads() == 1
    sealed = _last_seq()
    assert audit_verify.verify_chain("default")["sealed_through"] == {"default": sealed}
    _rechain_from(sealed - 2, "nothing to see")
    result = audit_verify.verify_chain("default")
    assert result["ok"] is False
    assert result["broken"]["seq"] == sealed
    assert "is not the one sealed at" in result["broken"]["problem"]


def test_entries_after_the_last_seal_are_covered_by_the_next_one(db_session):
    _trail(2)
    audit_seals.seal_heads()
    first = _last_seq()
    assert audit_seals.seal_heads() == 0  # the head did not move: no new seal
    _trail(3)
    assert audit_seals.seal_heads() == 1
    result = audit_verify.verify_chain("default")
    assert result["ok"], result
    assert result["sealed_through"] == {"default": first + 3}


def test_a_cut_trail_with_its_head_rewound_is_caught_by_its_seal(db_session):
    _trail(5)
    audit_seals.seal_heads()
    last = _last_seq()
    db.session.execute(REPLICA)
    db.session.execute(text("DELETE FROM audit_entries WHERE seq > :s"), {"s": last - 2})
    kept = db.session.execute(text("SELECT hash FROM audit_entries WHERE seq = :s"), {"s": last - 2}).scalar()
    db.session.execute(text("UPDATE audit_heads SET seq = :s, hash = :h"), {"s": last - 2, "h": kept})
    broken = audit_verify.verify_chain("default")["broken"]
    assert broken["seq"] == last
    assert broken["problem"].startswith(f"entries {last - 1} to {last} were sealed at ")


def test_a_seal_not_made_with_the_servers_key_is_reported(db_session):
    _trail(2)
    audit_seals.seal_heads()
    seq = _last_seq()
    forged = base64.b64encode(bytes(64)).decode()
    db.session.execute(REPLICA)
    db.session.execute(text("UPDATE audit_seals SET signature = :s WHERE seq = :q"), {"s": forged, "q": seq})
    broken = audit_verify.verify_chain("default")["broken"]
    assert broken["seq"] == seq
    assert "signature its seal key did not make" in broken["problem"]


def test_seals_are_append_only(db_session):
    _trail(1)
    audit_seals.seal_heads()
    for statement in ("UPDATE audit_seals SET seq = seq + 1", "DELETE FROM audit_seals"):
        with pytest.raises(DBAPIError, match="append-only"), db_session.begin_nested():
            db_session.execute(text(statement))


def test_an_auditor_checks_the_seals_offline_with_the_public_key(db_session, admin, as_user):
    _trail(2)
    audit_seals.seal_heads()
    listed = as_user("olga", roles="operator").get("/audit/seals")
    assert listed.status_code == 200, listed.json
    key, seal = listed.json["key"], listed.json["items"][0]
    assert key["algorithm"] == "Ed25519" and seal["key_id"] == key["key_id"]
    public = Ed25519PublicKey.from_public_bytes(base64.b64decode(key["public_key"]))
    signed = audit_seals.payload("default", seal["seq"], seal["hash"], seal["sealed_at"])
    public.verify(base64.b64decode(seal["signature"]), signed)  # (raises if it does not verify)
    assert as_user("ursula").get("/audit/seals").status_code == 403


def test_flask_audit_seal_and_verify_say_how_far_the_trail_is_sealed(app, db_session):
    _trail(2)
    runner = app.test_cli_runner()
    assert "1 seal(s) made" in runner.invoke(args=["audit", "seal"]).output
    verified = runner.invoke(args=["audit", "verify", "--tenant", "default"])
    assert verified.exit_code == 0
    assert f"sealed: default through entry {_last_seq()}" in verified.output


def test_a_new_seal_key_is_used_and_the_retired_one_still_vouches_for_its_seals(app, db_session, monkeypatch):
    from dataclasses import replace

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import (
        Encoding,
        NoEncryption,
        PrivateFormat,
        PublicFormat,
    )

    from app.config import Config, ConfigError

    for wrong in ("not base64!", base64.b64encode(b"short").decode()):
        with pytest.raises(ConfigError, match="BATON_AUDIT_SEAL_KEY must be the base64 of a raw 32-byte"):
            Config.from_env({"BATON_AUDIT_SEAL_KEY": wrong})
        with pytest.raises(ConfigError, match="BATON_AUDIT_SEAL_RETIRED_KEYS must be the base64 of a raw"):
            Config.from_env({"BATON_AUDIT_SEAL_RETIRED_KEYS": wrong})
    _trail(1)
    audit_seals.seal_heads()  # with the key derived from SECRET_KEY
    retired = audit_seals.public_key()["public_key"]
    own = Ed25519PrivateKey.generate()
    raw = base64.b64encode(own.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())).decode()
    new = Config.from_env({"BATON_AUDIT_SEAL_KEY": raw}).AUDIT_SEAL_KEY
    monkeypatch.setitem(app.config, "BATON", replace(app.config["BATON"], AUDIT_SEAL_KEY=new))
    public = own.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    assert audit_seals.public_key()["public_key"] == base64.b64encode(public).decode()
    broken = audit_verify.verify_chain("default")["broken"]  # the older seal is not this key's
    assert "not a seal key of this server" in broken["problem"]
    env = {"BATON_AUDIT_SEAL_KEY": raw, "BATON_AUDIT_SEAL_RETIRED_KEYS": f" {retired} "}
    monkeypatch.setitem(app.config, "BATON", replace(app.config["BATON"], **_seal_settings(env)))
    _trail(1)
    audit_seals.seal_heads()  # with the new key
    result = audit_verify.verify_chain("default")
    assert result["ok"], result
    assert result["sealed_through"] == {"default": _last_seq()}


def _seal_settings(env: dict) -> dict:
    from app.config import Config

    config = Config.from_env(env)
    return {
        "AUDIT_SEAL_KEY": config.AUDIT_SEAL_KEY,
        "AUDIT_SEAL_RETIRED_KEYS": config.AUDIT_SEAL_RETIRED_KEYS,
    }
