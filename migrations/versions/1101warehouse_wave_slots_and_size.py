"""wave tote slots and each person's next-wave size

Revision ID: 1101warehouse
Revises: 1004retention
Create Date: 2026-12-08 09:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '1101warehouse'
down_revision = '1004retention'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('pick_wave_orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('position', sa.Integer(), nullable=True))
    op.create_table(
        'wave_preferences',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('wave_size', sa.Integer(), nullable=False),
        sa.CheckConstraint('wave_size BETWEEN 1 AND 50', name=op.f('ck_wave_preferences_wave_size_in_range')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_wave_preferences_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', name=op.f('pk_wave_preferences')),
    )


def downgrade():
    op.drop_table('wave_preferences')
    with op.batch_alter_table('pick_wave_orders', schema=None) as batch_op:
        batch_op.drop_column('position')
