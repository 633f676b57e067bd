"""inbox index ends with the task id, the last key of the task list's order

The tasks of one step share their created_at. The task list and the inbox ordered by priority and
created_at only, so the order among such tasks was the table's, which a claim changes: a page
boundary between them could repeat one task and skip another. The order now ends with the id,
and the index that serves it ends with it too, so a page is still read off the index in order
(B3: 1,000,000 open tasks) rather than sorted.

Revision ID: f2a7c9e4b1d6
Revises: d3f8b1c6e2a4
Create Date: 2026-12-08 09:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "f2a7c9e4b1d6"
down_revision = "d3f8b1c6e2a4"
branch_labels = None
depends_on = None

_INBOX = ["tenant_id", "status", sa.literal_column("priority DESC"), "created_at"]


def upgrade():
    with op.batch_alter_table("user_tasks", schema=None) as batch_op:
        batch_op.drop_index("ix_user_tasks_inbox")
        batch_op.create_index("ix_user_tasks_inbox", [*_INBOX, "id"], unique=False)


def downgrade():
    with op.batch_alter_table("user_tasks", schema=None) as batch_op:
        batch_op.drop_index("ix_user_tasks_inbox")
        batch_op.create_index("ix_user_tasks_inbox", _INBOX, unique=False)
