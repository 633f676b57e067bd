"""signal subscriptions: a subscription row says whether it waits for a message or a signal

A signal thrown by one instance (or sent with POST /signals) reaches every instance of the tenant
waiting for it, as in Camunda; the waits are found by the same index as messages', told apart by
their kind so that a message and a signal of one name never reach each other's events.

Revision ID: 99af95c68939
Revises: 96e4ed3ac49f
Create Date: 2026-12-07 01:30:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '99af95c68939'
down_revision = '96e4ed3ac49f'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        'message_subscriptions',
        sa.Column('kind', sa.String(length=16), server_default='message', nullable=False),
    )


def downgrade():
    op.drop_column('message_subscriptions', 'kind')
