"""Flask CLI: verify the audit chain and the signatures of an instance. Exit status 1 on a failure."""

from __future__ import annotations

import sys
import uuid

import click
from flask import Flask

from app.cli import CommandGroup

audit_cli = CommandGroup("audit", help="Check the hash-chained audit trail.")
signatures_cli = CommandGroup("signatures", help="Check electronic signatures.")


@audit_cli.command("verify")
@click.option("--tenant", default=None, help="Check one tenant's chain (default: every tenant).")
def verify_audit(tenant):
    """Walk the chain from the first entry and report the first broken link."""
    from app.services.audit_verify import verify_chain

    result = verify_chain(tenant)
    if result["ok"]:
        click.echo(f"audit trail intact: {result['checked']} entries checked, {_sealed(result)}")
        return
    b = result["broken"]
    where = f"entry {b['seq']}" + (f" (id {b['id']})" if b["id"] is not None else "")
    click.echo(f"audit trail BROKEN at tenant {b['tenant']} {where}: {b['problem']}")
    sys.exit(1)


def _sealed(result: dict) -> str:
    sealed = [f"{tenant} through entry {seq}" for tenant, seq in result["sealed_through"].items() if seq]
    return "sealed: " + (", ".join(sealed) if sealed else "none yet")


@audit_cli.command("seal")
def seal_audit():
    """Sign every tenant's chain head that moved since its last seal (the beat does it every minute)."""
    from app.services.audit_seals import seal_heads

    click.echo(f"{seal_heads()} seal(s) made")


@signatures_cli.command("verify")
@click.argument("instance_id", type=click.UUID)
@click.option("--tenant", default="default")
def verify_signatures(instance_id: uuid.UUID, tenant):
    """Verify every signature of INSTANCE_ID against its stored decision."""
    from app.services.signature_verification import verify_instance

    result = verify_instance(tenant, instance_id)
    for s in result["signatures"]:
        state = "ok" if s["valid"] else f"INVALID: {s['problem']}"
        click.echo(f"{s['signed_at']} {_signer(s)} as {s['role']}: {s['decision']} [{state}]")
    click.echo(f"{result['count']} signature(s), {'all valid' if result['ok'] else 'NOT all valid'}")
    if not result["ok"]:
        sys.exit(1)


def _signer(result: dict) -> str:
    """The printed name, with the username when they differ: "Olga Owen (olga)", else "olga"."""
    name, username = result["printed_name"], result["approver"]
    return username if name == username else f"{name} ({username})"


def register_security_cli(app: Flask) -> None:
    for group in (audit_cli, signatures_cli):
        app.cli.add_command(group)
