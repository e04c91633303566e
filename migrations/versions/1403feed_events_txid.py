"""events keep the transaction that wrote them: the live feed's commit-order-safe position

On PostgreSQL `events.txid` defaults to the writing transaction's id; the live feed
(app/live/feed.py) reads only events of transactions older than the oldest one still
running. On SQLite (one writer at a time, ids in commit order) it stays NULL. The column is
added in place (no table rebuild), so the append-only triggers of 1003auditchain stay.

Revision ID: 1403feed
Revises: 1402search
Create Date: 2026-12-02 03:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '1403feed'
down_revision = '1402search'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('txid', sa.BigInteger(), nullable=True))
        batch_op.create_index('ix_events_txid', ['txid'], unique=False)
    if op.get_bind().dialect.name == 'postgresql':
        # events written before this revision keep NULL (the log is append-only): the feed has
        # long passed them, and a page open across the upgrade redraws once
        op.execute("ALTER TABLE events ALTER COLUMN txid SET DEFAULT (pg_current_xact_id()::text::bigint)")


def downgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_index('ix_events_txid')
        batch_op.drop_column('txid')
