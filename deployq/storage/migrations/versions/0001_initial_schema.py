"""Initial schema: flows, deployments, schedules, work pools and queues, runs, inbox, outbox.

Revision ID: 0001
Revises:
Create Date: 2026-11-25 13:58:45.866866
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql
revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('flow',
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('tags', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'::jsonb"), nullable=False),
    sa.Column('labels', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_flow')),
    sa.UniqueConstraint('name', name=op.f('uq_flow__name'))
    )
    op.create_table('inbox',
    sa.Column('message_id', sa.Text(), nullable=False),
    sa.Column('command', sa.Text(), nullable=False),
    sa.Column('body_hash', postgresql.BYTEA(), nullable=False),
    sa.Column('reply', postgresql.BYTEA(), nullable=False),
    sa.Column('ok', sa.Boolean(), nullable=False),
    sa.Column('handled_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('message_id', name=op.f('pk_inbox'))
    )
    op.create_index(op.f('ix_inbox__handled_at'), 'inbox', ['handled_at'], unique=False)
    op.create_table('outbox',
    sa.Column('seq', sa.BigInteger(), sa.Identity(always=True), nullable=False),
    sa.Column('event_ids', postgresql.ARRAY(sa.UUID()), nullable=False),
    sa.Column('routing_keys', postgresql.ARRAY(sa.Text()), nullable=False),
    sa.Column('types', postgresql.ARRAY(sa.Text()), nullable=False),
    sa.Column('bodies', postgresql.ARRAY(postgresql.BYTEA()), nullable=False),
    sa.Column('created', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_outbox'))
    )
    op.create_index('ix_outbox__unsent', 'outbox', ['seq'], unique=False, postgresql_where=sa.text('sent_at IS NULL'))
    # Wake the relay when events commit (a notification is delivered only on commit).
    op.execute(
        "CREATE FUNCTION deployq_outbox_notify() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN PERFORM pg_notify('deployq_outbox', ''); RETURN NULL; END $$"
    )
    op.execute(
        "CREATE TRIGGER outbox_notify AFTER INSERT ON outbox "
        "FOR EACH STATEMENT EXECUTE FUNCTION deployq_outbox_notify()"
    )
    op.create_table('work_pool',
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('type', sa.Text(), server_default='', nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('is_paused', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('concurrency_limit', sa.Integer(), nullable=True),
    sa.Column('base_job_template', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('default_queue_id', sa.UUID(), nullable=True),
    sa.CheckConstraint("name <> ''", name=op.f('ck_work_pool__name_not_empty')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_work_pool')),
    sa.UniqueConstraint('name', name=op.f('uq_work_pool__name'))
    )
    op.create_table('flow_run',
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('flow_id', sa.UUID(), nullable=False),
    sa.Column('deployment_id', sa.UUID(), nullable=True),
    sa.Column('deployment_version', sa.Text(), nullable=True),
    sa.Column('work_queue_name', sa.Text(), nullable=True),
    sa.Column('work_queue_id', sa.UUID(), nullable=True),
    sa.Column('parameters', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('idempotency_key', sa.Text(), nullable=True),
    sa.Column('tags', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'::jsonb"), nullable=False),
    sa.Column('labels', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('auto_scheduled', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('run_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('state_id', sa.UUID(), nullable=True),
    sa.Column('state_type', sa.Text(), nullable=False),
    sa.Column('state_name', sa.Text(), nullable=False),
    sa.Column('expected_start_time', sa.DateTime(timezone=True), nullable=True),
    sa.Column('next_scheduled_start_time', sa.DateTime(timezone=True), nullable=True),
    sa.Column('infrastructure_document_id', sa.UUID(), nullable=True),
    sa.Column('created_by', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('schedule_id', sa.UUID(), nullable=True),
    sa.ForeignKeyConstraint(['flow_id'], ['flow.id'], name=op.f('fk_flow_run__flow_id__flow'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_flow_run')),
    sa.UniqueConstraint('flow_id', 'idempotency_key', name=op.f('uq_flow_run__flow_id_idempotency_key'))
    )
    op.create_index(op.f('ix_flow_run__deployment_id_state_type_next_scheduled_start_time'), 'flow_run', ['deployment_id', 'state_type', 'next_scheduled_start_time'], unique=False)
    op.create_index('ix_flow_run__schedule_id__next_scheduled_start_time', 'flow_run', ['schedule_id', 'next_scheduled_start_time'], unique=False, postgresql_where=sa.text("auto_scheduled AND state_type = 'SCHEDULED'"))
    op.create_table('work_queue',
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('work_pool_id', sa.UUID(), nullable=False),
    sa.Column('description', sa.Text(), server_default='', nullable=False),
    sa.Column('is_paused', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('concurrency_limit', sa.Integer(), nullable=True),
    sa.Column('priority', sa.Integer(), server_default='1', nullable=False),
    sa.Column('filter', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('last_polled', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['work_pool_id'], ['work_pool.id'], name=op.f('fk_work_queue__work_pool_id__work_pool'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_work_queue')),
    sa.UniqueConstraint('work_pool_id', 'name', name=op.f('uq_work_queue__work_pool_id_name'))
    )
    op.create_table('deployment',
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('flow_id', sa.UUID(), nullable=False),
    sa.Column('version', sa.Text(), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('paused', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('status', sa.Text(), server_default='NOT_READY', nullable=False),
    sa.Column('tags', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'::jsonb"), nullable=False),
    sa.Column('labels', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('parameters', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('parameter_openapi_schema', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('enforce_parameter_schema', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('job_variables', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('pull_steps', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('path', sa.Text(), nullable=True),
    sa.Column('entrypoint', sa.Text(), nullable=True),
    sa.Column('work_queue_name', sa.Text(), nullable=True),
    sa.Column('work_queue_id', sa.UUID(), nullable=True),
    sa.Column('storage_document_id', sa.UUID(), nullable=True),
    sa.Column('infrastructure_document_id', sa.UUID(), nullable=True),
    sa.Column('concurrency_limit', sa.Integer(), nullable=True),
    sa.Column('global_concurrency_limit_id', sa.UUID(), nullable=True),
    sa.Column('created_by', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('updated_by', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('last_polled', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['flow_id'], ['flow.id'], name=op.f('fk_deployment__flow_id__flow'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['work_queue_id'], ['work_queue.id'], name=op.f('fk_deployment__work_queue_id__work_queue'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deployment')),
    sa.UniqueConstraint('flow_id', 'name', name=op.f('uq_deployment__flow_id_name'))
    )
    op.create_foreign_key(op.f('fk_work_pool__default_queue_id__work_queue'), 'work_pool', 'work_queue', ['default_queue_id'], ['id'], ondelete='RESTRICT', initially='DEFERRED', deferrable=True)
    op.create_index(op.f('ix_deployment__name'), 'deployment', ['name'], unique=False)
    op.create_index(op.f('ix_deployment__updated'), 'deployment', ['updated'], unique=False)
    op.create_index(op.f('ix_deployment__work_queue_id'), 'deployment', ['work_queue_id'], unique=False)
    op.create_table('flow_run_state',
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('flow_run_id', sa.UUID(), nullable=False),
    sa.Column('type', sa.Text(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('timestamp', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('message', sa.Text(), nullable=True),
    sa.Column('scheduled_time', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['flow_run_id'], ['flow_run.id'], name=op.f('fk_flow_run_state__flow_run_id__flow_run'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_flow_run_state'))
    )
    op.create_index(op.f('ix_flow_run_state__flow_run_id'), 'flow_run_state', ['flow_run_id'], unique=False)
    op.create_table('task_run',
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('flow_run_id', sa.UUID(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('tags', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'::jsonb"), nullable=False),
    sa.Column('state_type', sa.Text(), nullable=True),
    sa.Column('state_name', sa.Text(), nullable=True),
    sa.Column('start_time', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['flow_run_id'], ['flow_run.id'], name=op.f('fk_task_run__flow_run_id__flow_run'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task_run'))
    )
    op.create_index(op.f('ix_task_run__flow_run_id'), 'task_run', ['flow_run_id'], unique=False)
    op.create_table('deployment_schedule',
    sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('deployment_id', sa.UUID(), nullable=False),
    sa.Column('schedule', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('active', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('parameters', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('slug', sa.Text(), nullable=True),
    sa.Column('max_scheduled_runs', sa.Integer(), nullable=True),
    sa.Column('max_active_runs', sa.Integer(), nullable=True),
    sa.Column('catchup', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.ForeignKeyConstraint(['deployment_id'], ['deployment.id'], name=op.f('fk_deployment_schedule__deployment_id__deployment'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deployment_schedule')),
    sa.UniqueConstraint('deployment_id', 'slug', name=op.f('uq_deployment_schedule__deployment_id_slug'))
    )
    op.create_index(op.f('ix_deployment_schedule__deployment_id_updated'), 'deployment_schedule', ['deployment_id', 'updated'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_deployment_schedule__deployment_id_updated'), table_name='deployment_schedule')
    op.drop_table('deployment_schedule')
    op.drop_index(op.f('ix_task_run__flow_run_id'), table_name='task_run')
    op.drop_table('task_run')
    op.drop_index(op.f('ix_flow_run_state__flow_run_id'), table_name='flow_run_state')
    op.drop_table('flow_run_state')
    op.drop_index(op.f('ix_deployment__work_queue_id'), table_name='deployment')
    op.drop_index(op.f('ix_deployment__updated'), table_name='deployment')
    op.drop_index(op.f('ix_deployment__name'), table_name='deployment')
    op.drop_table('deployment')
    op.drop_constraint(op.f('fk_work_pool__default_queue_id__work_queue'), 'work_pool', type_='foreignkey')
    op.drop_table('work_queue')
    op.drop_index('ix_flow_run__schedule_id__next_scheduled_start_time', table_name='flow_run', postgresql_where=sa.text("auto_scheduled AND state_type = 'SCHEDULED'"))
    op.drop_index(op.f('ix_flow_run__deployment_id_state_type_next_scheduled_start_time'), table_name='flow_run')
    op.drop_table('flow_run')
    op.drop_table('work_pool')
    op.drop_index('ix_outbox__unsent', table_name='outbox', postgresql_where=sa.text('sent_at IS NULL'))
    op.execute("DROP TRIGGER IF EXISTS outbox_notify ON outbox")
    op.execute("DROP FUNCTION IF EXISTS deployq_outbox_notify()")
    op.drop_table('outbox')
    op.drop_index(op.f('ix_inbox__handled_at'), table_name='inbox')
    op.drop_table('inbox')
    op.drop_table('flow')
