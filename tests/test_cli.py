"""The CLI as an administrator types it: mistakes are one line and exit status 1, never a traceback."""

import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT


@pytest.fixture
def cli(sqlite_app):
    runner = sqlite_app.test_cli_runner()

    def run(*args):
        with sqlite_app.app_context():  # (else an app context another test left behind would be used)
            return runner.invoke(args=list(args))

    assert run("users", "create", "alice", "--roles", "user").exit_code == 0
    return run


def _refused(result, *words):
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    assert result.output.startswith("Error: ") and result.output.count("\n") == 1, result.output
    for word in words:
        assert word in result.output


def test_creating_an_existing_user_is_a_one_line_error(cli):
    _refused(cli("users", "create", "alice"), "user 'alice' already exists")


def test_adding_an_unknown_user_to_a_group_is_a_one_line_error(cli):
    _refused(cli("groups", "add-member", "inspectors", "nosuchuser"), "user 'nosuchuser' does not exist")


def test_an_unknown_role_is_refused_naming_the_valid_ones(cli):
    _refused(
        cli("users", "create", "bob", "--roles", "user,superhero"),
        "superhero",
        "admin, modeler, operator, user",
    )
    assert cli("users", "create", "bob", "--roles", "user, operator").exit_code == 0


def test_revoking_a_token_that_matches_nothing_fails(cli):
    _refused(cli("tokens", "revoke", "alice", "bt_xxxxx"), "no active token starting with 'bt_xxxxx'")
    token = cli("tokens", "create", "alice").output.strip()
    revoked = cli("tokens", "revoke", "alice", token[:8])
    assert revoked.exit_code == 0 and revoked.output == "revoked 1 token(s)\n"


def test_the_instance_folder_is_the_repositorys_wherever_the_command_runs(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "BATON_INSTANCE_DIR"} | {"PYTHONPATH": str(ROOT)}
    code = "from app.config import INSTANCE_DIR; print(INSTANCE_DIR)"
    shown = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert shown.stdout.strip() == str(ROOT / "instance"), shown.stderr


def test_an_admin_created_with_the_role_or_the_flag_holds_the_admin_role(cli, sqlite_app):
    from app.services import identity

    assert cli("users", "create", "root", "--roles", "admin").exit_code == 0
    assert cli("users", "create", "boss", "--admin").exit_code == 0
    with sqlite_app.app_context():
        for name in ("root", "boss"):
            user = identity.find_user(name)
            assert "admin" in user.roles.split(",") and user.is_admin, (name, user.roles)


def test_the_bootstrap_admin_token_is_on_the_audit_trail(sqlite_app, cli, monkeypatch):
    """Every token made is audited: the one BATON_ADMIN_TOKEN names (made by `flask bootstrap` at each
    start of the container) too, once, as `flask tokens create` makes one."""
    from tests.conftest import Api

    raw = "bt_bootstrap-secret-value-0123456789"
    monkeypatch.setattr(sqlite_app.config["BATON"], "BATON_ADMIN_TOKEN", raw)
    assert cli("baton", "bootstrap").exit_code == 0 and cli("baton", "bootstrap").exit_code == 0  # (once)
    entries = Api(sqlite_app.test_client(), raw).get("/audit?action=token.create").json["items"]
    assert [(e["after"]["user"], e["after"]["name"], e["after"]["prefix"]) for e in entries] == [
        ("admin", "bootstrap", raw[:8])
    ]
    assert raw not in str(entries)


def test_a_user_is_created_with_the_name_people_know_them_by(cli, sqlite_app):
    # The inbox names people by their display name, but the CLI, the only way to make a user,
    # could not set one: every page said "jdoe", never "Jane Doe".
    from app.services import identity

    made = cli("users", "create", "jdoe", "--display-name", "Jane Doe", "--password", "pw")
    assert made.exit_code == 0, made.output
    with sqlite_app.app_context():
        assert identity.find_user("jdoe").display_name == "Jane Doe"
