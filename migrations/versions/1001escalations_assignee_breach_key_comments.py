"""escalations: status, assignee, team, SLA rule and unique breach key; the comments thread

Revision ID: 1001escalations
Revises: 0900requestlayer
Create Date: 2026-12-08 09:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '1001escalations'
down_revision = '0900requestlayer'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('escalations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rule', sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column('breach_key', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('team', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('status', sa.String(length=10), server_default='open', nullable=False))
        batch_op.add_column(sa.Column('assignee_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_escalations_assignee_id_users'), 'users', ['assignee_id'], ['id'])
        batch_op.create_unique_constraint(batch_op.f('uq_escalations_breach_key'), ['breach_key'])
        batch_op.create_check_constraint(batch_op.f('ck_escalations_known_status'), "status IN ('open', 'resolved')")
        batch_op.create_check_constraint(batch_op.f('ck_escalations_known_source'), "source IN ('person', 'sla')")
        batch_op.create_check_constraint(batch_op.f('ck_escalations_sla_has_breach_key'), "source = 'person' OR breach_key IS NOT NULL")
        batch_op.drop_index('ix_escalations_order_id')
        batch_op.create_index('ix_escalations_status_created', ['status', 'created_at'], unique=False)
        batch_op.create_index('ix_escalations_assignee_status', ['assignee_id', 'status'], unique=False)
        batch_op.create_index('ix_escalations_order_status', ['order_id', 'status'], unique=False)

    op.create_table(
        'escalation_comments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('escalation_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint("kind IN ('comment', 'assign', 'hold', 'resolve')",
                           name=op.f('ck_escalation_comments_known_kind')),
        sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_escalation_comments_author_id_users')),
        sa.ForeignKeyConstraint(['escalation_id'], ['escalations.id'],
                                name=op.f('fk_escalation_comments_escalation_id_escalations')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_escalation_comments')),
    )
    with op.batch_alter_table('escalation_comments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_escalation_comments_escalation_id'), ['escalation_id'], unique=False)


def downgrade():
    with op.batch_alter_table('escalation_comments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_escalation_comments_escalation_id'))
    op.drop_table('escalation_comments')

    with op.batch_alter_table('escalations', schema=None) as batch_op:
        batch_op.drop_index('ix_escalations_order_status')
        batch_op.drop_index('ix_escalations_assignee_status')
        batch_op.drop_index('ix_escalations_status_created')
        batch_op.create_index('ix_escalations_order_id', ['order_id'], unique=False)
        batch_op.drop_constraint(batch_op.f('ck_escalations_sla_has_breach_key'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_escalations_known_source'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_escalations_known_status'), type_='check')
        batch_op.drop_constraint(batch_op.f('uq_escalations_breach_key'), type_='unique')
        batch_op.drop_constraint(batch_op.f('fk_escalations_assignee_id_users'), type_='foreignkey')
        batch_op.drop_column('assignee_id')
        batch_op.drop_column('status')
        batch_op.drop_column('team')
        batch_op.drop_column('breach_key')
        batch_op.drop_column('rule')
