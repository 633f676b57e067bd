"""signatures and signing keys are append-only, as the audit trail is

A signature row or a user's public key could be changed or deleted with plain SQL: a deleted
signature left verification saying all was well, and a public key swapped for one the writer holds
lets them re-sign anything they like (no SECRET_KEY needed). On PostgreSQL the database now refuses
UPDATE and DELETE on both, as it does on audit_entries; a user who signed is deactivated, never
deleted (nothing in Baton deletes users).

Revision ID: b8d4f2a6c1e3
Revises: a3c9e1f5b7d2
Create Date: 2026-12-07 04:10:00.000000

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b8d4f2a6c1e3'
down_revision = 'a3c9e1f5b7d2'
branch_labels = None
depends_on = None

APPEND_ONLY = """
CREATE FUNCTION signatures_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP;
END $$;
CREATE TRIGGER signatures_no_change BEFORE UPDATE OR DELETE ON signatures
    FOR EACH ROW EXECUTE FUNCTION signatures_append_only();
CREATE TRIGGER user_keys_no_change BEFORE UPDATE OR DELETE ON user_keys
    FOR EACH ROW EXECUTE FUNCTION signatures_append_only();
"""


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(APPEND_ONLY)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER user_keys_no_change ON user_keys")
        op.execute("DROP TRIGGER signatures_no_change ON signatures")
        op.execute("DROP FUNCTION signatures_append_only()")
