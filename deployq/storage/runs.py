"""Statements on flow runs: the deletions R7 allows (creation comes with schedule_runs)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from deployq.storage.tables import flow_run

SCHEDULED = "SCHEDULED"
AWAITING_CONCURRENCY_SLOT = "AwaitingConcurrencySlot"


class RunRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection

    async def delete_scheduled(
        self,
        deployment_id: UUID,
        *,
        auto_only: bool,
        future_after: datetime | None,
    ) -> list[RowMapping]:
        """Delete the deployment's deletable-scheduled runs (R7); they come back as
        `id, deployment_id, scheduled_time` for the `flow_run.deleted` events.

        `future_after` narrows to runs whose next scheduled start is after it.
        """
        c = flow_run.c
        statement = sa.delete(flow_run).where(
            c.deployment_id == deployment_id,
            c.state_type == SCHEDULED,
            c.state_name != AWAITING_CONCURRENCY_SLOT,
            c.run_count == 0,
        )
        if auto_only:
            statement = statement.where(c.auto_scheduled)
        if future_after is not None:
            statement = statement.where(c.next_scheduled_start_time > future_after)
        returning = statement.returning(
            c.id, c.deployment_id, c.next_scheduled_start_time.label("scheduled_time")
        )
        return list((await self.connection.execute(returning)).mappings())
