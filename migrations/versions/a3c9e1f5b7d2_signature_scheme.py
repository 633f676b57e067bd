"""signature scheme: which columns a signature's payload binds

Scheme 1 signed the approver's id, the instance, definition, task, decision, role and time, but not
what a reader of the signature is shown beside them: the approver's name, the element and the
reason for signing, so those could be changed without the signature failing. New signatures are
scheme 2 and bind them too; the rows signed before stay scheme 1 and verify as they were signed.

Revision ID: a3c9e1f5b7d2
Revises: 99af95c68939
Create Date: 2026-12-07 04:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a3c9e1f5b7d2'
down_revision = '99af95c68939'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('signatures', sa.Column('scheme', sa.Integer(), server_default='1', nullable=False))


def downgrade():
    op.drop_column('signatures', 'scheme')
