"""admin is a role: users.is_admin is dropped, its admins keep the role `admin`

An admin was either `is_admin` or the role `admin`, and services asked one or the other: a user
made admin through the roles was not admin everywhere, and one made with the flag stayed admin when
the role was taken away. The role is now the one source; every user whose flag was set gets the
role first, so nobody loses a right by the upgrade.

Revision ID: c213b647e6e2
Revises: e7b1c4d2a9f3
Create Date: 2026-12-07 00:45:00.000000

"""

from alembic import op
import sqlalchemy as sa

revision = "c213b647e6e2"
down_revision = "e7b1c4d2a9f3"
branch_labels = None
depends_on = None

_WITHOUT_ROLE = "(',' || roles || ',') NOT LIKE '%,admin,%'"


def upgrade():
    op.execute(
        sa.text(
            "UPDATE users SET roles = CASE WHEN roles = '' THEN 'admin' ELSE roles || ',admin' END "
            f"WHERE is_admin = :yes AND {_WITHOUT_ROLE}"
        ).bindparams(yes=True)
    )
    with op.batch_alter_table("users") as batch:
        batch.drop_column("is_admin")


def downgrade():
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("is_admin", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.execute(sa.text(f"UPDATE users SET is_admin = :yes WHERE NOT {_WITHOUT_ROLE}").bindparams(yes=True))
    with op.batch_alter_table("users") as batch:
        batch.alter_column("is_admin", server_default=None)
