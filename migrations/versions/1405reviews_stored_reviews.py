"""reviews of closed periods kept once computed (the periodic review at a year's volume)

Revision ID: 1405reviews
Revises: 1404lazydocs
Create Date: 2026-12-02 07:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '1405reviews'
down_revision = '1404lazydocs'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'stored_reviews',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('period_start', sa.Date(), nullable=False),
        sa.Column('period_end', sa.Date(), nullable=False),
        sa.Column('layout', sa.Integer(), nullable=False),
        sa.Column('computed_at', sa.DateTime(), nullable=False),
        sa.Column('took_ms', sa.Integer(), nullable=False),
        sa.Column('body', sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_stored_reviews')),
        sa.UniqueConstraint('period_start', 'period_end', 'layout', name='uq_stored_reviews_period'),
    )


def downgrade():
    op.drop_table('stored_reviews')
