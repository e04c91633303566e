"""one head again after the parallel issue branches

Revision ID: 0800merge
Revises: 0400confirm, 0500requests, 0600warehouse, 0700live
Create Date: 2026-11-26 08:50:07.422271

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0800merge'
down_revision = ('0400confirm', '0500requests', '0600warehouse', '0700live')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
