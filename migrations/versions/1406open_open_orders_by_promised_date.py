"""open orders by promised date: the late queue walks the open orders, not a year of closed ones

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


def downgrade():
    op.drop_index('ix_orders_open_promised', table_name='orders')
