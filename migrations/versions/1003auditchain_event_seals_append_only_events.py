"""audit chain: event seals, events.customer_id, audit log indexes, append-only triggers

Revision ID: 1003auditchain
Revises: 1001escalations
Create Date: 2026-12-08 09:00:00

Events and their seals refuse UPDATE and DELETE (a trigger on each table, PostgreSQL and
SQLite alike). On SQLite a later batch ALTER that rebuilds `events` or `event_seals` drops
their triggers: such a migration must create them again (APPEND_ONLY_SQLITE below).
"""
from alembic import op
import sqlalchemy as sa


revision = '1003auditchain'
down_revision = '1001escalations'
branch_labels = None
depends_on = None

TABLES = ('events', 'event_seals')

POSTGRES_FUNCTION = """
CREATE FUNCTION refuse_change_to_audit_log() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP;
END
$$
"""
POSTGRES_TRIGGER = ("CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                    "FOR EACH ROW EXECUTE FUNCTION refuse_change_to_audit_log()")
APPEND_ONLY_SQLITE = ("CREATE TRIGGER {table}_no_{op} BEFORE {OP} ON {table} "
                      "BEGIN SELECT RAISE(ABORT, '{table} is append-only: {OP} refused'); END")


def create_triggers():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(POSTGRES_FUNCTION)
        for table in TABLES:
            op.execute(POSTGRES_TRIGGER.format(table=table))
    else:
        for table in TABLES:
            for verb in ('update', 'delete'):
                op.execute(APPEND_ONLY_SQLITE.format(table=table, op=verb, OP=verb.upper()))


def drop_triggers():
    if op.get_bind().dialect.name == 'postgresql':
        for table in TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        op.execute("DROP FUNCTION IF EXISTS refuse_change_to_audit_log()")
    else:
        for table in TABLES:
            for verb in ('update', 'delete'):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{verb}")


def upgrade():
    op.create_table(
        'event_seals',
        sa.Column('event_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('previous_event_id', sa.Integer(), nullable=False),
        sa.Column('content_hash', sa.String(length=64), nullable=False),
        sa.Column('chain_hash', sa.String(length=64), nullable=False),
        sa.Column('sealed_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_event_seals_event_id_events')),
        sa.PrimaryKeyConstraint('event_id', name=op.f('pk_event_seals')),
        sa.UniqueConstraint('previous_event_id', name=op.f('uq_event_seals_previous_event_id')),
    )
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('customer_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_events_customer_id_customers'), 'customers', ['customer_id'], ['id'])
        batch_op.create_index('ix_events_actor_id_id', ['actor_id', 'id'], unique=False)
        batch_op.create_index('ix_events_customer_id_id', ['customer_id', 'id'], unique=False)
        batch_op.create_index('ix_events_kind_prefix', ['kind', 'id'], unique=False,
                              postgresql_ops={'kind': 'varchar_pattern_ops'})
    # existing order events belong to their order's customer
    op.execute("UPDATE events SET customer_id = (SELECT orders.customer_id FROM orders WHERE orders.id = events.order_id) "
               "WHERE order_id IS NOT NULL")
    create_triggers()


def downgrade():
    drop_triggers()
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_index('ix_events_kind_prefix')
        batch_op.drop_index('ix_events_customer_id_id')
        batch_op.drop_index('ix_events_actor_id_id')
        batch_op.drop_constraint(batch_op.f('fk_events_customer_id_customers'), type_='foreignkey')
        batch_op.drop_column('customer_id')
    op.drop_table('event_seals')
