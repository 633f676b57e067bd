"""signed checkpoints of the audit chain (audit_seals), append-only

The chain's hashes are unkeyed: whoever can write to the database as the application does could
append entries that chain correctly, and with the owner's rights rewrite the trail and its head
together. A seal is the head (seq, hash) signed with the server's Ed25519 seal key every minute;
`verify` checks each seal's signature and that the entry it names still has the sealed hash. On
PostgreSQL the database refuses UPDATE and DELETE on the seals, as on the trail.

Revision ID: c6f1a3e8d2b7
Revises: b5d9e3a7c2f4
Create Date: 2026-12-07 15:30:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c6f1a3e8d2b7'
down_revision = 'b5d9e3a7c2f4'
branch_labels = None
depends_on = None

APPEND_ONLY = """
CREATE FUNCTION audit_seals_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP;
END $$;
CREATE TRIGGER audit_seals_no_change BEFORE UPDATE OR DELETE ON audit_seals
    FOR EACH ROW EXECUTE FUNCTION audit_seals_append_only();
"""


def upgrade():
    op.create_table(
        'audit_seals',
        sa.Column('tenant_id', sa.String(length=64), nullable=False),
        sa.Column('seq', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('hash', sa.String(length=64), nullable=False),
        sa.Column('sealed_at', sa.String(length=40), nullable=False),
        sa.Column('key_id', sa.String(length=64), nullable=False),
        sa.Column('signature', sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint('tenant_id', 'seq', name=op.f('pk_audit_seals')),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(APPEND_ONLY)


def downgrade():
    op.drop_table('audit_seals')  # its trigger goes with it
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION audit_seals_append_only()")
