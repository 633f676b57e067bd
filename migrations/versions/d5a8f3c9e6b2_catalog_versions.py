"""catalog versions: one row per tenant, replaced by every deploy and status change

Server processes cache the latest published decision or process per key (business rule tasks and
call activities bound to `latest` resolve it when reached); every start reads the tenant's catalog
version with its definition, so a cache is known stale without a statement of its own.

Revision ID: d5a8f3c9e6b2
Revises: c41d9e2a7b10
Create Date: 2026-12-06 23:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'd5a8f3c9e6b2'
down_revision = 'c41d9e2a7b10'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('catalog_versions',
    sa.Column('tenant_id', sa.String(length=64), nullable=False),
    sa.Column('version', sa.Uuid(), nullable=False),
    sa.PrimaryKeyConstraint('tenant_id', name=op.f('pk_catalog_versions'))
    )


def downgrade():
    op.drop_table('catalog_versions')
