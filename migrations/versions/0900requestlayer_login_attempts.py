"""login attempts, for login throttling shared by every worker

Revision ID: 0900requestlayer
Revises: 0800merge
Create Date: 2026-12-01 12:20:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0900requestlayer'
down_revision = '0800merge'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'login_attempts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('username', sa.String(length=64), nullable=False),
        sa.Column('address', sa.String(length=64), nullable=False),
        sa.Column('outcome', sa.String(length=10), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.CheckConstraint("outcome IN ('ok', 'failed', 'locked')", name=op.f('ck_login_attempts_known_outcome')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_login_attempts')),
    )
    op.create_index('ix_login_attempts_username_at', 'login_attempts', ['username', 'at'])
    op.create_index('ix_login_attempts_address_at', 'login_attempts', ['address', 'at'])


def downgrade():
    op.drop_index('ix_login_attempts_address_at', table_name='login_attempts')
    op.drop_index('ix_login_attempts_username_at', table_name='login_attempts')
    op.drop_table('login_attempts')
