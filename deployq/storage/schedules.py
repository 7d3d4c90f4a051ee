"""Statements on deployment schedules (R5, R58, R61–R65)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection
from uuid_utils.compat import uuid7

from deployq.storage.conflicts import conflict_on
from deployq.storage.driver import Compiled, Driver
from deployq.storage.tables import deployment_schedule

SLUG_CONSTRAINT = "uq_deployment_schedule__deployment_id_slug"

_ORDER = (deployment_schedule.c.updated.desc(), deployment_schedule.c.id)


# Slugs are unique per deployment (R5, R61).
SLUG_TAKEN = "a schedule of this deployment already has that slug"


# Many schedules in one statement: one array per column, unnested in step.
_COLUMNS = list(deployment_schedule.c)
_ADD = Compiled.of(
    sa.insert(deployment_schedule)
    .from_select(
        [c.name for c in _COLUMNS],
        sa.select(
            *(
                sa.func.unnest(sa.bindparam(c.name, type_=ARRAY(c.type))).label(c.name)
                for c in _COLUMNS
            )
        ),
    )
    .returning(*deployment_schedule.c)
)


class ScheduleRepository:
    def __init__(self, connection: AsyncConnection, driver: Driver) -> None:
        self.connection = connection
        self.driver = driver

    async def add(
        self, deployment_id: UUID, schedules: Sequence[dict[str, Any]], *, now: datetime
    ) -> list[Any]:
        """Insert in one statement; rows come back in the order given. Ids are time-ordered,
        so schedules created together read back (updated desc, id) in this order too."""
        if not schedules:
            return []
        ids = [uuid7() for _ in schedules]
        given = {
            "id": ids,
            "deployment_id": [deployment_id] * len(ids),
            "created": [now] * len(ids),
            "updated": [now] * len(ids),
        }
        for column in _COLUMNS:
            if column.name not in given:
                given[column.name] = [s[column.name] for s in schedules]
        with conflict_on(SLUG_CONSTRAINT, SLUG_TAKEN):
            rows = await self.driver.fetch(_ADD, given)
        by_id = {row["id"]: row for row in rows}
        return [by_id[i] for i in ids]

    async def for_deployment(
        self, deployment_id: UUID, *, active: bool | None = None
    ) -> list[RowMapping]:
        statement = sa.select(deployment_schedule).where(
            deployment_schedule.c.deployment_id == deployment_id
        )
        if active is not None:
            statement = statement.where(deployment_schedule.c.active.is_(active))
        return list((await self.connection.execute(statement.order_by(*_ORDER))).mappings())

    async def update(
        self, deployment_id: UUID, schedule_id: UUID, changes: dict[str, Any], *, now: datetime
    ) -> RowMapping | None:
        """Only a schedule of this deployment is changed (R63)."""
        statement = (
            sa.update(deployment_schedule)
            .where(
                deployment_schedule.c.id == schedule_id,
                deployment_schedule.c.deployment_id == deployment_id,
            )
            .values(**changes, updated=now)
            .returning(*deployment_schedule.c)
        )
        with conflict_on(SLUG_CONSTRAINT, SLUG_TAKEN):
            return (await self.connection.execute(statement)).mappings().one_or_none()

    async def delete(self, deployment_id: UUID, schedule_id: UUID) -> bool:
        statement = sa.delete(deployment_schedule).where(
            deployment_schedule.c.id == schedule_id,
            deployment_schedule.c.deployment_id == deployment_id,
        )
        return (await self.connection.execute(statement)).rowcount > 0

    async def delete_all(self, deployment_id: UUID) -> int:
        statement = sa.delete(deployment_schedule).where(
            deployment_schedule.c.deployment_id == deployment_id
        )
        return (await self.connection.execute(statement)).rowcount
