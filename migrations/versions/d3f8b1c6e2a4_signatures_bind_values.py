"""signatures bind the values the completion submitted (scheme 3)

A signature bound approver, instance, task, decision, role, reason and time, but not the values
submitted with the completion: only the audit entry held them, so a value could be changed next to
an intact signature. Scheme 3 signs also the SHA-256 of their canonical JSON, kept on the row as
that JSON (the column the digest is rebuilt from at verification). Rows of schemes 1 and 2 keep
NULL and verify as before; adding a column leaves the append-only triggers as they are.

Revision ID: d3f8b1c6e2a4
Revises: c7e2a9d4f1b6
Create Date: 2026-12-07 04:20:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'd3f8b1c6e2a4'
down_revision = 'c7e2a9d4f1b6'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("signatures", sa.Column("signed_values", sa.Text(), nullable=True))


def downgrade():
    # (PostgreSQL's triggers refuse UPDATE and DELETE, not a dropped column)
    op.drop_column("signatures", "signed_values")
