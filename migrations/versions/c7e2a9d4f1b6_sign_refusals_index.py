"""a partial index of refused signatures, counted at each signing

Signing now needs the signer's password; five wrong ones in 15 minutes stop them for the rest of the
window, counted from their `task.sign_refused` audit entries (so every worker sees one count). This
index finds a signer's recent refusals without reading the rest of the trail, and costs the trail's
other appends nothing.

Revision ID: c7e2a9d4f1b6
Revises: d3f8b1e6a2c9
Create Date: 2026-12-07 04:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c7e2a9d4f1b6'
down_revision = 'd3f8b1e6a2c9'
branch_labels = None
depends_on = None

SIGN_REFUSED = "action = 'task.sign_refused'"


def upgrade():
    op.create_index(
        "ix_audit_sign_refusals",
        "audit_entries",
        ["tenant_id", "actor_id", "at"],
        postgresql_where=sa.text(SIGN_REFUSED),
        sqlite_where=sa.text(SIGN_REFUSED),
    )


def downgrade():
    op.drop_index("ix_audit_sign_refusals", table_name="audit_entries")
