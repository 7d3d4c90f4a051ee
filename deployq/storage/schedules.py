"""Statements on deployment schedules (R5, R58, R61–R65)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from deployq.errors import Conflict
from deployq.storage.tables import deployment_schedule

SLUG_CONSTRAINT = "uq_deployment_schedule__deployment_id_slug"

_ORDER = (deployment_schedule.c.updated.desc(), deployment_schedule.c.id)


@contextmanager
def _slug_taken() -> Iterator[None]:
    """Slugs are unique per deployment (R5, R61): a clash is a conflict, not a crash."""
    try:
        yield
    except IntegrityError as error:
        if SLUG_CONSTRAINT in str(error.orig):
            raise Conflict("a schedule of this deployment already has that slug") from None
        raise


class ScheduleRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection

    async def add(
        self, deployment_id: UUID, schedules: Sequence[dict[str, Any]], *, now: datetime
    ) -> list[RowMapping]:
        """Insert in one statement; rows come back in the order given."""
        if not schedules:
            return []
        rows = [
            {**s, "deployment_id": deployment_id, "created": now, "updated": now} for s in schedules
        ]
        statement = sa.insert(deployment_schedule).returning(
            *deployment_schedule.c, sort_by_parameter_order=True
        )
        with _slug_taken():
            return list((await self.connection.execute(statement, rows)).mappings())

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
        with _slug_taken():
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

    async def delete_ids(self, schedule_ids: Sequence[UUID]) -> int:
        statement = sa.delete(deployment_schedule).where(deployment_schedule.c.id.in_(schedule_ids))
        return (await self.connection.execute(statement)).rowcount
