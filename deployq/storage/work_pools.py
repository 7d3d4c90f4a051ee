"""Statements on work pools (R2): a pool is inserted together with its `default` queue.

`work_pool.default_queue_id` is a deferred foreign key, so the pool row can name its default
queue before that queue exists; both land in one transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from deployq.messages.filters import WorkPoolFilter
from deployq.messages.work_queues import DEFAULT_QUEUE
from deployq.storage.conflicts import conflict_on
from deployq.storage.filters import work_pool_conditions
from deployq.storage.locks import Lock, locked
from deployq.storage.tables import work_pool, work_queue

NAME_CONSTRAINT = "uq_work_pool__name"
DEFAULT_QUEUE_DESCRIPTION = "The work pool's default queue."


class WorkPoolRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection

    async def _add_default_queue(self, pool: RowMapping, *, now: datetime) -> None:
        await self.connection.execute(
            sa.insert(work_queue).values(
                id=pool["default_queue_id"],
                work_pool_id=pool["id"],
                name=DEFAULT_QUEUE,
                description=DEFAULT_QUEUE_DESCRIPTION,
                created=now,
                updated=now,
            )
        )

    async def create(self, values: dict[str, Any], *, now: datetime) -> RowMapping:
        """Insert a pool and its default queue; a taken name is a `Conflict`."""
        row = {**values, "default_queue_id": uuid4(), "created": now, "updated": now}
        statement = sa.insert(work_pool).values(row).returning(*work_pool.c)
        with conflict_on(NAME_CONSTRAINT, f"a work pool named {values['name']!r} already exists"):
            pool = (await self.connection.execute(statement)).mappings().one()
        await self._add_default_queue(pool, now=now)
        return pool

    async def ensure(self, name: str, type_: str, *, now: datetime) -> RowMapping:
        """The pool named `name`, created (with its default queue) if missing, share-locked.

        Safe against a concurrent twin: the insert does nothing on a taken name, and the
        pool is then read as the twin committed it.
        """
        found = await self.get(name, lock="share")
        if found is not None:
            return found
        row = {
            "name": name,
            "type": type_,
            "default_queue_id": uuid4(),
            "created": now,
            "updated": now,
        }
        statement = (
            insert(work_pool)
            .values(row)
            .on_conflict_do_nothing(index_elements=[work_pool.c.name])
            .returning(*work_pool.c)
        )
        pool = (await self.connection.execute(statement)).mappings().one_or_none()
        if pool is None:
            pool = await self.get(name, lock="share")
            if pool is None:  # pragma: no cover - deleted between the two statements
                raise RuntimeError(f"work pool {name!r} vanished while it was being created")
            return pool
        await self._add_default_queue(pool, now=now)
        return pool

    async def get(self, name: str, *, lock: Lock = None) -> RowMapping | None:
        statement = locked(sa.select(work_pool).where(work_pool.c.name == name), lock)
        row: RowMapping | None = (await self.connection.execute(statement)).mappings().one_or_none()
        return row

    async def list(
        self, filters: WorkPoolFilter | None, offset: int, limit: int
    ) -> list[RowMapping]:
        statement = sa.select(work_pool).order_by(work_pool.c.name, work_pool.c.id)
        condition = None if filters is None else work_pool_conditions(filters)
        if condition is not None:
            statement = statement.where(condition)
        result = await self.connection.execute(statement.offset(offset).limit(limit))
        return list(result.mappings())

    async def update(
        self, name: str, changes: dict[str, Any], *, now: datetime
    ) -> RowMapping | None:
        statement = (
            sa.update(work_pool)
            .where(work_pool.c.name == name)
            .values(**changes, updated=now)
            .returning(*work_pool.c)
        )
        return (await self.connection.execute(statement)).mappings().one_or_none()

    async def delete(self, pool_id: UUID) -> bool:
        """Its queues go with it (ON DELETE CASCADE)."""
        statement = sa.delete(work_pool).where(work_pool.c.id == pool_id)
        return (await self.connection.execute(statement)).rowcount > 0
