"""How a deployment is read: its row with its schedules and its pool's name, the shape every
Deployment reply is made from; correlated to any source of deployment ids and queue ids."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import aggregate_order_by

from deployq.storage.tables import deployment_schedule, work_pool, work_queue

_schedule = deployment_schedule.alias("s")


def schedules_of(deployment_id: sa.ColumnElement[Any]) -> sa.Label[Any]:
    """The deployment's schedules as one JSON array, most recently updated first (R4)."""
    return sa.func.coalesce(
        sa.select(
            sa.func.jsonb_agg(
                aggregate_order_by(
                    sa.func.to_jsonb(_schedule.table_valued()),
                    _schedule.c.updated.desc(),
                    _schedule.c.id,
                )
            )
        )
        .where(_schedule.c.deployment_id == deployment_id)
        .scalar_subquery(),
        sa.text("'[]'::jsonb"),
    ).label("schedules")


def pool_name_of(work_queue_id: sa.ColumnElement[Any]) -> sa.Label[Any]:
    """The name of the pool the deployment's queue lies in (null without a queue)."""
    return (
        sa.select(work_pool.c.name)
        .join(work_queue, work_queue.c.work_pool_id == work_pool.c.id)
        .where(work_queue.c.id == work_queue_id)
        .scalar_subquery()
        .label("work_pool_name")
    )
