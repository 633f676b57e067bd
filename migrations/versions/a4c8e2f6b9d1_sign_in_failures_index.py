"""a partial index of failed sign-ins, counted at each sign-in

Sign-in is now limited per account too (20 failures in 15 minutes from any address), besides 5 a
minute per address, both counted from `user.sign_in_failed` audit entries. ix_audit_object found a
user's entries, but all of them, every failure ever included: an account guessed at for months would
make each sign-in read its whole history. This index holds only the failures, by username and time,
so the count reads the window and no more, and costs the trail's other appends nothing.

Revision ID: a4c8e2f6b9d1
Revises: f2a7c9e4b1d6
Create Date: 2026-12-08 10:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a4c8e2f6b9d1'
down_revision = 'f2a7c9e4b1d6'
branch_labels = None
depends_on = None

SIGN_IN_FAILED = "action = 'user.sign_in_failed'"


def upgrade():
    op.create_index(
        "ix_audit_sign_in_failures",
        "audit_entries",
        ["tenant_id", "object_id", "at"],
        postgresql_where=sa.text(SIGN_IN_FAILED),
        sqlite_where=sa.text(SIGN_IN_FAILED),
    )


def downgrade():
    op.drop_index("ix_audit_sign_in_failures", table_name="audit_entries")
