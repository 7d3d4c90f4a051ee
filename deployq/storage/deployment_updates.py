"""A deployment's update, the runs R7 then drops, and the deployment read back, in one statement.

`deployment.update`, `.pause` and `.resume` each change the row, drop runs and answer with the
deployment as the transaction left it: three round trips as separate statements, one here. The
read-back selects from the update's own result (a statement's other parts see the data as it
was before the statement), so it shows the change.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import aggregate_order_by

from deployq.storage.deployment_view import pool_name_of, schedules_of
from deployq.storage.driver import Compiled, Driver
from deployq.storage.pausing import bound_pause_columns
from deployq.storage.runs import deletable
from deployq.storage.tables import deployment, flow_run


@dataclass(frozen=True, slots=True)
class Dropping:
    """Which runs go with the change (R7); see `storage.runs.deletable`."""

    auto_only: bool
    future_only: bool


@dataclass(frozen=True, slots=True)
class Updated:
    row: asyncpg.Record
    dropped: list[dict[str, Any]]  # `id, deployment_id, scheduled_time` of each run deleted


@functools.lru_cache(maxsize=256)
def _statement(changes: tuple[str, ...], dropping: Dropping | None) -> Compiled:
    values: dict[str, Any] = {c: sa.bindparam(c, type_=deployment.c[c].type) for c in changes}
    values |= bound_pause_columns(changes)
    changed = (
        sa.update(deployment)
        .where(deployment.c.id == sa.bindparam("deployment_id", type_=deployment.c.id.type))
        .values(**values, updated=sa.bindparam("now", type_=deployment.c.updated.type))
        .returning(*deployment.c)
        .cte("changed")
    )
    columns = [*changed.c, schedules_of(changed.c.id), pool_name_of(changed.c.work_queue_id)]
    if dropping is not None:
        run = flow_run.c
        gone = (
            sa.delete(flow_run)
            .where(*deletable(dropping.auto_only, dropping.future_only))
            .where(sa.exists(sa.select(changed.c.id)))
            .returning(run.id, run.next_scheduled_start_time.label("scheduled_time"))
            .cte("gone")
        )
        # Two aggregates in the same order, so the arrays pair up.
        ids = sa.func.array_agg(aggregate_order_by(gone.c.id, gone.c.id))
        times = sa.func.array_agg(aggregate_order_by(gone.c.scheduled_time, gone.c.id))
        columns += [
            sa.select(ids).scalar_subquery().label("dropped_ids"),
            sa.select(times).scalar_subquery().label("dropped_times"),
        ]
    return Compiled.of(sa.select(*columns))


async def update(
    driver: Driver,
    deployment_id: UUID,
    changes: dict[str, Any],
    *,
    dropping: Dropping | None,
    now: datetime,
) -> Updated | None:
    """None when there is no such deployment (nothing changed, nothing dropped)."""
    params = {**changes, "deployment_id": deployment_id, "now": now, "future_after": now}
    row = await driver.fetchrow(_statement(tuple(changes), dropping), params)
    if row is None:
        return None
    dropped: list[dict[str, Any]] = []
    if dropping is not None:
        ids, times = row["dropped_ids"] or [], row["dropped_times"] or []
        dropped = [
            {"id": i, "deployment_id": deployment_id, "scheduled_time": t}
            for i, t in zip(ids, times, strict=True)
        ]
    return Updated(row, dropped)
