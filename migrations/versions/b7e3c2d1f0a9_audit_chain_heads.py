"""audit chain heads: one row per tenant, the seq and hash of its last entry

Appending an entry updates the head row in the same statement that inserts the entry: its row lock
queues a tenant's appends where an advisory lock and a second statement did, and `audit verify`
compares the last entry with it, so entries removed from the end of a trail are noticed.

Revision ID: b7e3c2d1f0a9
Revises: a61a3b6ff15d
Create Date: 2026-11-22 11:20:00.000000

"""
from alembic import op
import sqlalchemy as sa

# The head only moves forward, one entry at a time, and is never deleted: rewinding it to hide the
# last entries' removal needs the table owner's rights to drop this trigger first.
FORWARD_ONLY = """
CREATE FUNCTION audit_heads_forward_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'an audit head is never deleted';
    END IF;
    IF NEW.tenant_id <> OLD.tenant_id OR NEW.seq <> OLD.seq + 1 OR NEW.prev_hash <> OLD.hash THEN
        RAISE EXCEPTION 'an audit head only moves forward, one entry at a time';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER audit_heads_forward_only BEFORE UPDATE OR DELETE ON audit_heads
    FOR EACH ROW EXECUTE FUNCTION audit_heads_forward_only();
"""

# Each tenant's last entry (portable SQL: SQLite has no DISTINCT ON).
BACKFILL = """
INSERT INTO audit_heads (tenant_id, seq, prev_hash, hash)
SELECT e.tenant_id, e.seq, e.prev_hash, e.hash FROM audit_entries e
WHERE e.seq = (SELECT max(x.seq) FROM audit_entries x WHERE x.tenant_id = e.tenant_id)
"""

# revision identifiers, used by Alembic.
revision = 'b7e3c2d1f0a9'
down_revision = 'a61a3b6ff15d'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('audit_heads',
    sa.Column('tenant_id', sa.String(length=64), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('tenant_id', name=op.f('pk_audit_heads'))
    )
    op.execute(BACKFILL)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(FORWARD_ONLY)


def downgrade():
    op.drop_table('audit_heads')  # its trigger goes with it
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION audit_heads_forward_only()")
