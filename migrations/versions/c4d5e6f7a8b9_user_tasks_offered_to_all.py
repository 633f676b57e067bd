"""user tasks say whether they are offered to everyone

A task whose model names people (assignee, candidates, lane) but whose assignment failed or came to
nobody was offered to every user of the tenant; now only to admins and operators. The rows already
there are offered to everyone when they name no one and nobody holds them, as before. A held task
that names no candidates cannot tell a claimed open task from one the model assigned: it is taken
as assigned (its holder keeps it and can delegate it, but not give it back to everyone).

Revision ID: c4d5e6f7a8b9
Revises: b7e3c2d1f0a9
Create Date: 2026-12-06 21:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4d5e6f7a8b9'
down_revision = 'b7e3c2d1f0a9'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user_tasks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('offered_to_all', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.execute(
        "UPDATE user_tasks SET offered_to_all = true WHERE assignee IS NULL"
        " AND json_array_length(candidate_users) = 0 AND json_array_length(candidate_groups) = 0"
    )


def downgrade():
    with op.batch_alter_table('user_tasks', schema=None) as batch_op:
        batch_op.drop_column('offered_to_all')
