"""internal notes on an order (the teams' thread)

Revision ID: 1201notes
Revises: 1101warehouse
Create Date: 2026-12-15 09:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '1201notes'
down_revision = '1101warehouse'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'order_notes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('order_id', sa.Integer(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=True),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('mentions', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_order_notes_order_id_orders')),
        sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_order_notes_author_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_order_notes')),
    )
    with op.batch_alter_table('order_notes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_order_notes_order_id'), ['order_id'], unique=False)


def downgrade():
    with op.batch_alter_table('order_notes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_order_notes_order_id'))
    op.drop_table('order_notes')
