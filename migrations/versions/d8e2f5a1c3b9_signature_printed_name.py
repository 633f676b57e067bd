"""signatures: the signer's printed name, bound into the signed payload (scheme 4)

21 CFR Part 11 section 11.50 asks a signed record to show the signer's printed name with the date and
time and the meaning of the signature. A signature named its approver by username only, which is an
account, not a name; `printed_name` is the user's display name at signing (else the username), stored
as it was then and signed, so a later rename neither changes nor breaks it. Rows signed before (schemes
1 to 3) have none and verify as they were signed.

Revision ID: d8e2f5a1c3b9
Revises: c6f1a3e8d2b7
Create Date: 2026-12-07 17:40:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'd8e2f5a1c3b9'
down_revision = 'c6f1a3e8d2b7'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('signatures', sa.Column('printed_name', sa.String(length=200), nullable=True))


def downgrade():
    op.drop_column('signatures', 'printed_name')
