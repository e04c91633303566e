"""customers: an address can be retired (kept for the orders that used it); a cleared credit check keeps the manager's reason

Revision ID: 1304customers
Revises: 1301businessdata
Create Date: 2026-12-01 20:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '1304customers'
down_revision = '1301businessdata'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('addresses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False))
    with op.batch_alter_table('verification_flags', schema=None) as batch_op:
        batch_op.add_column(sa.Column('note', sa.String(length=200), server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('verification_flags', schema=None) as batch_op:
        batch_op.drop_column('note')
    with op.batch_alter_table('addresses', schema=None) as batch_op:
        batch_op.drop_column('active')
