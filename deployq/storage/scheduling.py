"""What the scheduler selects (R71, R73) and the locks that keep materialisation race-free (R74).

Every selection locks the deployment rows it returns for the rest of the transaction: the
scheduler with SKIP LOCKED (another scheduler, or a command changing the deployment, has it;
a later pass gets it), `schedule_runs` waiting for its one row. Deployment and schedule
commands take the same row lock, so schedules are always read after any change to them
committed, and never change while runs computed from them are being inserted.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from deployq.storage.new_runs import SCHEDULED
from deployq.storage.tables import deployment, deployment_schedule, flow_run

d = deployment.c
s = deployment_schedule.c
_run = flow_run.alias("r")

# What planning needs of a deployment (R68), nothing more.
PLANNING_COLUMNS = (
    d.id,
    d.flow_id,
    d.version,
    d.work_queue_name,
    d.work_queue_id,
    d.parameters,
    d.tags,
    d.labels,
    d.infrastructure_document_id,
)

# Written as literal SQL so the planner can match the partial index
# ix_flow_run__schedule_id__next_scheduled_start_time even with a generic prepared plan.
_FUTURE_AUTO = sa.text(f"r.auto_scheduled AND r.state_type = '{SCHEDULED}'")

_HAS_ACTIVE_SCHEDULE = sa.select(s.id).where(s.deployment_id == d.id, s.active).exists()


def _future_runs(now: datetime) -> sa.Select[tuple[datetime | None]]:
    """The schedule's future auto runs' start times (an index range scan per schedule)."""
    start = _run.c.next_scheduled_start_time
    return sa.select(start).where(_run.c.schedule_id == s.id, _FUTURE_AUTO, start >= now)


def _starved(now: datetime, min_runs: int, min_time: timedelta) -> sa.ColumnElement[bool]:
    """R71, per schedule: an active schedule with fewer than `min_runs` future auto runs, or
    whose latest one is before now + min_time (or that has none).

    Both are ORDER BY … LIMIT 1 subqueries on purpose: an EXISTS here may be planned as a hashed
    subplan over every future run, which makes a pass cost grow with the runs, not the schedules.
    """
    start = _run.c.next_scheduled_start_time
    latest = _future_runs(now).order_by(start.desc()).limit(1).scalar_subquery()
    # Latest before now + min_time, or none at all (NULL >= … is NULL: coalesced to starved).
    starved = [sa.not_(sa.func.coalesce(latest >= now + min_time, sa.false()))]
    if min_runs > 1:
        # Fewer than min_runs ⟺ there is no min_runs-th future run.
        nth = _future_runs(now).order_by(start).offset(min_runs - 1).limit(1).scalar_subquery()
        starved.append(nth.is_(None))
    return sa.select(s.id).where(s.deployment_id == d.id, s.active, sa.or_(*starved)).exists()


def _recent(since: datetime) -> sa.ColumnElement[bool]:
    """R73: the deployment or one of its schedules changed at or after `since`."""
    changed_schedules = sa.select(s.deployment_id).where(s.updated >= since)
    return sa.or_(d.updated >= since, d.id.in_(changed_schedules))


class SchedulingRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection

    async def _lock_page(
        self, condition: sa.ColumnElement[bool], after: UUID | None, limit: int
    ) -> list[RowMapping]:
        statement = sa.select(*PLANNING_COLUMNS).where(~d.paused, _HAS_ACTIVE_SCHEDULE, condition)
        if after is not None:
            statement = statement.where(d.id > after)
        statement = (
            statement.order_by(d.id).limit(limit).with_for_update(of=deployment, skip_locked=True)
        )
        return list((await self.connection.execute(statement)).mappings())

    async def lock_due(
        self,
        *,
        now: datetime,
        min_runs: int,
        min_time: timedelta,
        after: UUID | None,
        limit: int,
    ) -> list[RowMapping]:
        """The main loop's next page (R71): not paused, some active schedule starved."""
        return await self._lock_page(_starved(now, min_runs, min_time), after, limit)

    async def lock_recent(
        self, *, since: datetime, after: UUID | None, limit: int
    ) -> list[RowMapping]:
        """The recent loop's next page (R73)."""
        return await self._lock_page(_recent(since), after, limit)

    async def lock(self, deployment_id: UUID) -> RowMapping | None:
        """`schedule_runs`' deployment, waiting for its lock; paused or not (R66)."""
        statement = (
            sa.select(*PLANNING_COLUMNS).where(d.id == deployment_id).with_for_update(of=deployment)
        )
        return (await self.connection.execute(statement)).mappings().one_or_none()

    async def lock_for_run(self, deployment_id: UUID) -> RowMapping | None:
        """`lock`, with what a manual run also checks: the parameter schema (CONTRACT §8)."""
        statement = (
            sa.select(*PLANNING_COLUMNS, d.enforce_parameter_schema, d.parameter_openapi_schema)
            .where(d.id == deployment_id)
            .with_for_update(of=deployment)
        )
        return (await self.connection.execute(statement)).mappings().one_or_none()

    async def active_schedules(
        self, deployment_ids: Sequence[UUID]
    ) -> dict[UUID, list[RowMapping]]:
        """The active schedules of the (locked) deployments, by deployment."""
        statement = (
            sa.select(s.id, s.deployment_id, s.schedule, s.parameters, s.slug, s.active)
            .where(s.deployment_id.in_(deployment_ids), s.active)
            .order_by(s.deployment_id, s.updated.desc(), s.id)
        )
        found: defaultdict[UUID, list[RowMapping]] = defaultdict(list)
        for row in (await self.connection.execute(statement)).mappings():
            found[row["deployment_id"]].append(row)
        return found
