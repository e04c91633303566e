"""customer notices: which notice a communication is, and when an owed one was told

Revision ID: 1316notices
Revises: 1311api
Create Date: 2026-12-01 23:55:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '1316notices'
down_revision = '1311api'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('communications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notice', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('told_at', sa.DateTime(), nullable=True))
        batch_op.create_index('ix_communications_notice_told', ['notice', 'told_at'], unique=False)


def downgrade():
    with op.batch_alter_table('communications', schema=None) as batch_op:
        batch_op.drop_index('ix_communications_notice_told')
        batch_op.drop_column('told_at')
        batch_op.drop_column('notice')
