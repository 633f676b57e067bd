"""task incidents: a user task knows the incident about it, which its close resolves with a reason

An incident about a user task (an assignee or due date that failed, an assignee who is no user)
stayed open after the task was completed or withdrawn. The task row now names its incident, so the
completion that closes it resolves it without a query, and an incident says why it was resolved.

Revision ID: 96e4ed3ac49f
Revises: c213b647e6e2
Create Date: 2026-12-07 00:40:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '96e4ed3ac49f'
down_revision = 'c213b647e6e2'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('user_tasks', sa.Column('incident_id', sa.Uuid(), nullable=True))
    op.add_column('incidents', sa.Column('resolution', sa.Text(), nullable=True))


def downgrade():
    op.drop_column('incidents', 'resolution')
    op.drop_column('user_tasks', 'incident_id')
