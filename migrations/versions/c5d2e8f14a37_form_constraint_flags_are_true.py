"""form constraint flags are true: a generated form's `required` (and `readonly`) read as true

Deploys read a camunda:constraint without config (required, readonly) as null, so task responses
said `"validation": {"required": null}` and a client testing it for truth read "not required". New
deployments store true; this rewrites what earlier ones stored, in process definitions (the element
and start forms new tasks copy) and in user tasks. No schema change.

Revision ID: c5d2e8f14a37
Revises: c4d5e6f7a8b9
Create Date: 2026-11-24 10:00:00.000000

"""

import json

from alembic import op
import sqlalchemy as sa

revision = "c5d2e8f14a37"
down_revision = "c4d5e6f7a8b9"
branch_labels = None
depends_on = None

TABLES = (("definitions", "meta", "kind = 'bpmn'"), ("user_tasks", "form", "form IS NOT NULL"))


def _flags_true(node) -> bool:
    """Set every null constraint config under a "validation" key to true; whether any changed."""
    changed = False
    if isinstance(node, dict):
        rules = node.get("validation")
        if isinstance(rules, dict):
            for name, config in rules.items():
                if config is None:
                    rules[name], changed = True, True
        for value in node.values():
            changed = _flags_true(value) or changed
    elif isinstance(node, list):
        for value in node:
            changed = _flags_true(value) or changed
    return changed


def upgrade():
    bind = op.get_bind()
    value_sql = "CAST(:value AS JSON)" if bind.dialect.name == "postgresql" else ":value"
    for table, column, where in TABLES:
        rows = bind.execute(
            sa.text(
                f"SELECT id, CAST({column} AS TEXT) FROM {table} "
                f"WHERE {where} AND CAST({column} AS TEXT) LIKE '%\"validation\"%'"
            )
        ).all()
        for row_id, text in rows:
            value = json.loads(text)
            if _flags_true(value):
                bind.execute(
                    sa.text(f"UPDATE {table} SET {column} = {value_sql} WHERE id = :id"),
                    {"value": json.dumps(value), "id": row_id},
                )


def downgrade():
    pass  # true means what null meant: nothing to undo
