"""idempotency digest: what a start with an Idempotency-Key asked for

A replay with the same key must be the same request (as in Stripe's API): the digest of its
variables, business key, definition key and user tells a different body apart. Rows written before
have none and are compared as before (user, definition, business key).

Revision ID: e7b4c1d2a3f5
Revises: d5a8f3c9e6b2
Create Date: 2026-12-07 00:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'e7b4c1d2a3f5'
down_revision = 'd5a8f3c9e6b2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('process_instances', schema=None) as batch_op:
        batch_op.add_column(sa.Column('idempotency_digest', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('process_instances', schema=None) as batch_op:
        batch_op.drop_column('idempotency_digest')
