"""retention: when an order's and a customer's personal data were removed after the retention period

Revision ID: 1004retention
Revises: 1003auditchain
Create Date: 2026-12-08 10:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '1004retention'
down_revision = '1003auditchain'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('personal_data_removed_at', sa.DateTime(), nullable=True))
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('personal_data_removed_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.drop_column('personal_data_removed_at')
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_column('personal_data_removed_at')
