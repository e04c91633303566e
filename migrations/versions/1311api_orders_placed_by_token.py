"""online channel: which API token placed an order

Revision ID: 1311api
Revises: 1310channels
Create Date: 2026-12-01 23:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '1311api'
down_revision = '1310channels'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('api_token_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_orders_api_token_id'), ['api_token_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_orders_api_token_id_api_tokens'), 'api_tokens',
                                    ['api_token_id'], ['id'])


def downgrade():
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_orders_api_token_id_api_tokens'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_orders_api_token_id'))
        batch_op.drop_column('api_token_id')
