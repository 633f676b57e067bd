"""work orders withdrawn because a prerequisite was cancelled, and why

A cancelled linked order no longer counts as done: the orders that depend on it (and theirs) are
withdrawn instead of started, and the link says why (the cancelled prerequisite, or the cancelled
master), for GET /work-orders/{master}.

Revision ID: d3f8b1e6a2c9
Revises: c7e2a9d4f1b8
Create Date: 2026-12-07 04:20:00.000000

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'd3f8b1e6a2c9'
down_revision = 'c7e2a9d4f1b8'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('work_order_links', schema=None) as batch_op:
        batch_op.add_column(sa.Column('withdrawn_reason', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('work_order_links', schema=None) as batch_op:
        batch_op.drop_column('withdrawn_reason')
