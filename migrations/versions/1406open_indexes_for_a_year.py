"""indexes for a year's volume: open orders by promised date (the late queue walks the open
orders, not a year of closed ones) and products by bin (the product list's search)

Revision ID: 1406open
Revises: 1405reviews
Create Date: 2026-12-02 11:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '1406open'
down_revision = '1405reviews'
branch_labels = None
depends_on = None

OPEN = "status IN ('confirmed', 'picking', 'packed', 'ready_for_pickup')"


def upgrade():
    op.create_index('ix_orders_open_promised', 'orders', ['promised_date'],
                    postgresql_where=sa.text(OPEN), sqlite_where=sa.text(OPEN))
    op.create_index('ix_products_bin_location', 'products', ['bin_location'])


def downgrade():
    op.drop_index('ix_products_bin_location', table_name='products')
    op.drop_index('ix_orders_open_promised', table_name='orders')
