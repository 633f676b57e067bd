"""Flask CLI: users, groups, tokens, and deploying a folder of models."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from app.errors import BatonError
from app.services import identity
from app.services.permissions import ROLES


class CommandGroup(AppGroup):
    """A command that fails on something the user typed says so in one line and exits 1 (click's
    usage error style), never with a traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except BatonError as exc:
            raise click.ClickException(exc.message) from exc


users_cli = CommandGroup("users", help="Create and manage users.")
groups_cli = CommandGroup("groups", help="Create groups and add members.")
tokens_cli = CommandGroup("tokens", help="Create and revoke API tokens.")
baton_cli = CommandGroup("baton", help="Server set-up tasks.")


@users_cli.command("create")
@click.argument("username")
@click.option("--password", default=None, help="Sets a web sign-in password.")
@click.option("--admin", is_flag=True, help="Give the user every permission (the same as the role admin).")
@click.option("--roles", default="user", help=f"Comma-separated roles: {', '.join(ROLES)}.")
@click.option("--display-name", default=None, help="The name pages show (default: the username).")
@click.option("--email", default=None)
@click.option("--tenant", default="default")
def create_user(username, password, admin, roles, display_name, email, tenant):
    roles = f"{roles},admin" if admin else roles
    user = identity.create_user(
        username, password=password, roles=roles, display_name=display_name, email=email, tenant_id=tenant
    )
    click.echo(f"created user {user.username} ({user.id})")


@groups_cli.command("add-member")
@click.argument("group")
@click.argument("username")
@click.option("--tenant", default="default")
def add_member(group, username, tenant):
    identity.add_to_group(username, group, tenant)
    click.echo(f"{username} is a member of {group}")


@tokens_cli.command("create")
@click.argument("username")
@click.option("--name", default="cli")
@click.option("--expires-in-days", type=int, default=None)
@click.option("--tenant", default="default")
def create_token(username, name, expires_in_days, tenant):
    """Print a new token once; only its hash is stored."""
    click.echo(identity.create_token(username, name=name, expires_in_days=expires_in_days, tenant_id=tenant))


@tokens_cli.command("revoke")
@click.argument("username")
@click.argument("prefix")
@click.option("--tenant", default="default")
def revoke_token(username, prefix, tenant):
    click.echo(f"revoked {identity.revoke_token(prefix, username, tenant)} token(s)")


@baton_cli.command("bootstrap")
def bootstrap():
    """Ensure the admin user owning BATON_ADMIN_TOKEN exists (when that variable is set)."""
    from flask import current_app

    token = current_app.config["BATON"].BATON_ADMIN_TOKEN
    if token:
        identity.ensure_bootstrap_admin(token)
        click.echo("admin token is active")


@baton_cli.command("deploy-dir")
@click.argument("folders", nargs=-1, type=click.Path(exists=True, file_okay=False, path_type=Path))
def deploy_dir(folders):
    """Deploy every .bpmn, .dmn and .form file found in FOLDERS as one deployment (as the admin)."""
    from app.services.deployments import deploy

    files = sorted(
        p for folder in folders for p in folder.rglob("*") if p.suffix in (".bpmn", ".dmn", ".form")
    )
    if not files:
        click.echo("nothing to deploy")
        return
    admin = identity.find_user("admin") or identity.create_user("admin", roles="admin")
    deployed = deploy([(p.name, p.read_bytes()) for p in files], admin, name="examples")
    for d in deployed.definitions:
        click.echo(f"  {d.kind:4} {d.key} v{d.version} ({d.status})")
    for w in deployed.warnings:
        click.echo(f"  warning: {w.get('message')}")


def register_cli(app: Flask) -> None:
    for group in (users_cli, groups_cli, tokens_cli, baton_cli):
        app.cli.add_command(group)
    from app.cli_security import register_security_cli

    register_security_cli(app)
