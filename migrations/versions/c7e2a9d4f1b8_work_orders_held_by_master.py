"""work orders held by their master: suspending a master suspends its running orders

Resuming the master resumes the orders it suspended, and only those: an order someone suspended on
their own before stays suspended. The flag says which were the master's.

Revision ID: c7e2a9d4f1b8
Revises: b8d4f2a6c1e3
Create Date: 2026-12-07 04:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'c7e2a9d4f1b8'
down_revision = 'b8d4f2a6c1e3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('work_order_links', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('held_by_master', sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade():
    with op.batch_alter_table('work_order_links', schema=None) as batch_op:
        batch_op.drop_column('held_by_master')
