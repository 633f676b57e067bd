"""who linked a work order: its instance's starter when it starts later

A linked order that waited for a prerequisite started with the starter of the step that closed the
prerequisite (or the master's), so the four-eyes rule `starter` did not bind whoever linked it: they
could raise an order and approve it. The link now keeps who made it. Rows linked before this keep
the old behaviour (NULL).

Revision ID: b5d9e3a7c2f4
Revises: a4c8e2f6b9d1
Create Date: 2026-12-09 10:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b5d9e3a7c2f4'
down_revision = 'a4c8e2f6b9d1'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("work_order_links") as batch_op:
        batch_op.add_column(sa.Column("linked_by", sa.String(length=150), nullable=True))


def downgrade():
    with op.batch_alter_table("work_order_links") as batch_op:
        batch_op.drop_column("linked_by")
