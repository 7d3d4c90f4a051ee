"""The schema as SQLAlchemy Core tables; migrations/ creates exactly this."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, BYTEA, JSONB
from sqlalchemy.dialects.postgresql import UUID as PG_UUID

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s__%(column_0_N_name)s",
        "uq": "uq_%(table_name)s__%(column_0_N_name)s",
        "fk": "fk_%(table_name)s__%(column_0_name)s__%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
        "ck": "ck_%(table_name)s__%(constraint_name)s",
    }
)

Uuid = PG_UUID(as_uuid=True)
Instant = sa.DateTime(timezone=True)
NOW = sa.text("now()")
EMPTY_LIST = sa.text("'[]'::jsonb")
EMPTY_OBJECT = sa.text("'{}'::jsonb")


def _id() -> sa.Column[object]:
    return sa.Column("id", Uuid, primary_key=True, server_default=sa.text("gen_random_uuid()"))


def _stamps() -> list[sa.Column[object]]:
    return [
        sa.Column("created", Instant, nullable=False, server_default=NOW),
        sa.Column("updated", Instant, nullable=False, server_default=NOW),
    ]


flow = sa.Table(
    "flow",
    metadata,
    _id(),
    *_stamps(),
    sa.Column("name", sa.Text, nullable=False, unique=True),
    sa.Column("tags", JSONB, nullable=False, server_default=EMPTY_LIST),
    sa.Column("labels", JSONB, nullable=False, server_default=EMPTY_OBJECT),
)

_DEFAULT_QUEUE = sa.ForeignKey(
    "work_queue.id", ondelete="RESTRICT", use_alter=True, deferrable=True, initially="DEFERRED"
)

work_pool = sa.Table(
    "work_pool",
    metadata,
    _id(),
    *_stamps(),
    sa.Column("name", sa.Text, nullable=False, unique=True),
    sa.Column("type", sa.Text, nullable=False, server_default=""),
    sa.Column("description", sa.Text),
    sa.Column("is_paused", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("concurrency_limit", sa.Integer),
    sa.Column("base_job_template", JSONB, nullable=False, server_default=EMPTY_OBJECT),
    sa.Column("default_queue_id", Uuid, _DEFAULT_QUEUE),
    sa.CheckConstraint("name <> ''", name="name_not_empty"),
)

work_queue = sa.Table(
    "work_queue",
    metadata,
    _id(),
    *_stamps(),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column(
        "work_pool_id", Uuid, sa.ForeignKey("work_pool.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("description", sa.Text, nullable=False, server_default=""),
    sa.Column("is_paused", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("concurrency_limit", sa.Integer),
    sa.Column("priority", sa.Integer, nullable=False, server_default="1"),
    sa.Column("filter", JSONB),
    sa.Column("last_polled", Instant),
    sa.UniqueConstraint("work_pool_id", "name"),
)

deployment = sa.Table(
    "deployment",
    metadata,
    _id(),
    *_stamps(),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("flow_id", Uuid, sa.ForeignKey("flow.id", ondelete="CASCADE"), nullable=False),
    sa.Column("version", sa.Text),
    sa.Column("description", sa.Text),
    sa.Column("paused", sa.Boolean, nullable=False, server_default=sa.false()),
    # CONTRACT §8: when it was paused (kept by a repeated pause) and why; null while running.
    sa.Column("paused_at", Instant),
    sa.Column("paused_reason", sa.Text),
    sa.Column("status", sa.Text, nullable=False, server_default="NOT_READY"),
    sa.Column("tags", JSONB, nullable=False, server_default=EMPTY_LIST),
    sa.Column("labels", JSONB, nullable=False, server_default=EMPTY_OBJECT),
    sa.Column("parameters", JSONB, nullable=False, server_default=EMPTY_OBJECT),
    sa.Column("parameter_openapi_schema", JSONB),
    sa.Column("enforce_parameter_schema", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("job_variables", JSONB, nullable=False, server_default=EMPTY_OBJECT),
    sa.Column("pull_steps", JSONB),
    sa.Column("path", sa.Text),
    sa.Column("entrypoint", sa.Text),
    sa.Column("work_queue_name", sa.Text),
    sa.Column("work_queue_id", Uuid, sa.ForeignKey("work_queue.id", ondelete="SET NULL")),
    sa.Column("storage_document_id", Uuid),
    sa.Column("infrastructure_document_id", Uuid),
    sa.Column("concurrency_limit", sa.Integer),
    sa.Column("global_concurrency_limit_id", Uuid),
    sa.Column("created_by", JSONB),
    sa.Column("updated_by", JSONB),
    sa.Column("last_polled", Instant),
    sa.UniqueConstraint("flow_id", "name"),
    sa.Index(None, "work_queue_id"),
    sa.Index(None, "updated"),
    sa.Index(None, "name"),
)

deployment_schedule = sa.Table(
    "deployment_schedule",
    metadata,
    _id(),
    *_stamps(),
    sa.Column(
        "deployment_id", Uuid, sa.ForeignKey("deployment.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("schedule", JSONB, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("parameters", JSONB, nullable=False, server_default=EMPTY_OBJECT),
    sa.Column("slug", sa.Text),
    sa.Column("max_scheduled_runs", sa.Integer),
    sa.Column("max_active_runs", sa.Integer),
    sa.Column("catchup", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.UniqueConstraint("deployment_id", "slug"),
    sa.Index(None, "deployment_id", "updated"),
    # The scheduler's recent loop (R73) finds schedules changed in the last seconds.
    sa.Index(None, "updated"),
)

flow_run = sa.Table(
    "flow_run",
    metadata,
    _id(),
    *_stamps(),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("flow_id", Uuid, sa.ForeignKey("flow.id", ondelete="CASCADE"), nullable=False),
    # No foreign key: R60 keeps a deleted deployment's non-scheduled runs with their deployment_id.
    sa.Column("deployment_id", Uuid),
    sa.Column("deployment_version", sa.Text),
    sa.Column("work_queue_name", sa.Text),
    sa.Column("work_queue_id", Uuid),
    sa.Column("parameters", JSONB, nullable=False, server_default=EMPTY_OBJECT),
    sa.Column("idempotency_key", sa.Text),
    sa.Column("tags", JSONB, nullable=False, server_default=EMPTY_LIST),
    sa.Column("labels", JSONB, nullable=False, server_default=EMPTY_OBJECT),
    sa.Column("auto_scheduled", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("run_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("state_id", Uuid),
    sa.Column("state_type", sa.Text, nullable=False),
    sa.Column("state_name", sa.Text, nullable=False),
    sa.Column("expected_start_time", Instant),
    sa.Column("next_scheduled_start_time", Instant),
    sa.Column("infrastructure_document_id", Uuid),
    sa.Column("created_by", JSONB),
    # The schedule a run was generated from (created_by.id when its type is SCHEDULE), kept as a
    # column so the scheduler's per-schedule check (R71) is an index lookup.
    sa.Column("schedule_id", Uuid),
    sa.UniqueConstraint("flow_id", "idempotency_key"),
    sa.Index(None, "deployment_id", "state_type", "next_scheduled_start_time"),
    sa.Index(
        "ix_flow_run__schedule_id__next_scheduled_start_time",
        "schedule_id",
        "next_scheduled_start_time",
        postgresql_where=sa.text("auto_scheduled AND state_type = 'SCHEDULED'"),
    ),
)

flow_run_state = sa.Table(
    "flow_run_state",
    metadata,
    _id(),
    sa.Column(
        "flow_run_id", Uuid, sa.ForeignKey("flow_run.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("type", sa.Text, nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("timestamp", Instant, nullable=False, server_default=NOW),
    sa.Column("message", sa.Text),
    sa.Column("scheduled_time", Instant),
    sa.Index(None, "flow_run_id"),
)

# Task runs are reported by the runtime, not created by deployq; the table exists so the
# `task_runs` filter of R55 has something real to match.
task_run = sa.Table(
    "task_run",
    metadata,
    _id(),
    *_stamps(),
    sa.Column(
        "flow_run_id", Uuid, sa.ForeignKey("flow_run.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("tags", JSONB, nullable=False, server_default=EMPTY_LIST),
    sa.Column("state_type", sa.Text),
    sa.Column("state_name", sa.Text),
    sa.Column("start_time", Instant),
    sa.Index(None, "flow_run_id"),
)

# CONTRACT §6: one row per write command handled, holding its reply, so a redelivery or a client
# retry gets the same answer without the handler running again.
inbox = sa.Table(
    "inbox",
    metadata,
    sa.Column("message_id", sa.Text, primary_key=True),
    sa.Column("command", sa.Text, nullable=False),
    sa.Column("body_hash", BYTEA, nullable=False),
    sa.Column("reply", BYTEA, nullable=False),
    sa.Column("ok", sa.Boolean, nullable=False),
    sa.Column("handled_at", Instant, nullable=False, server_default=NOW),
    sa.Index(None, "handled_at"),
)

# CONTRACT §4: events written in the transaction that caused them, published by the relay after
# commit. One row holds the events of one transaction (a scheduler pass creating a thousand runs
# writes one row, not a thousand). Every transaction that writes events for a deployment holds
# that deployment's row lock, so `seq` order is commit order per deployment. `sent_at` is set
# only after every event of the row was confirmed by the broker.
outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column("seq", sa.BigInteger, sa.Identity(always=True), primary_key=True),
    sa.Column("event_ids", ARRAY(Uuid), nullable=False),
    sa.Column("routing_keys", ARRAY(sa.Text), nullable=False),
    sa.Column("types", ARRAY(sa.Text), nullable=False),
    # Compressed with lz4 where the server has it (migration 0002): a pass writes ~1 KB a run.
    sa.Column("bodies", ARRAY(BYTEA), nullable=False),
    sa.Column("created", Instant, nullable=False, server_default=NOW),
    sa.Column("sent_at", Instant),
    sa.Index("ix_outbox__unsent", "seq", postgresql_where=sa.text("sent_at IS NULL")),
)

OUTBOX_CHANNEL = "deployq_outbox"
