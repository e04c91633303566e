"""pages fast at volume: stored stock checks; indexes for a person's newest notifications and
the ledger sums; orders by status with their dates (the dashboards' counts)

Revision ID: 1401pages
Revises: 1316notices
Create Date: 2026-12-02 03:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '1401pages'
down_revision = '1316notices'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'stock_checks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('checked_at', sa.DateTime(), nullable=False),
        sa.Column('products_checked', sa.Integer(), nullable=False),
        sa.Column('mismatch_count', sa.Integer(), nullable=False),
        sa.Column('mismatches', sa.JSON(), nullable=False),
        sa.Column('took_ms', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_checks')),
    )
    op.create_index('ix_stock_checks_checked_at', 'stock_checks', ['checked_at'], unique=False)
    op.create_index('ix_notifications_user_id', 'notifications', ['user_id', 'id'], unique=False)
    op.create_index('ix_stock_movements_product_quantity', 'stock_movements', ['product_id', 'quantity'], unique=False)
    op.create_index('ix_orders_status_changed', 'orders', ['status', 'status_changed_at'], unique=False)
    op.create_index('ix_orders_status_promised', 'orders', ['status', 'promised_date'], unique=False)


def downgrade():
    op.drop_index('ix_orders_status_promised', table_name='orders')
    op.drop_index('ix_orders_status_changed', table_name='orders')
    op.drop_index('ix_stock_movements_product_quantity', table_name='stock_movements')
    op.drop_index('ix_notifications_user_id', table_name='notifications')
    op.drop_index('ix_stock_checks_checked_at', table_name='stock_checks')
    op.drop_table('stock_checks')
