"""notifications by task: closing a task marks every notification about it read

A task's "New task" / "Assigned to you" notes stayed unread after the task was completed or
withdrawn; the step that closes a task now marks them read, found by this index.

Revision ID: e7b1c4d2a9f3
Revises: e7b4c1d2a3f5
Create Date: 2026-12-07 10:00:00.000000

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e7b1c4d2a9f3'
down_revision = 'e7b4c1d2a3f5'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_notifications_task', 'notifications', ['task_id'], unique=False)


def downgrade():
    op.drop_index('ix_notifications_task', table_name='notifications')
