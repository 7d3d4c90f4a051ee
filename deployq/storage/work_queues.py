"""Statements on work queues (R3), the legacy-filter match of R69a, and detaching deployments
from queues that are about to be deleted.

Every queue row comes back with its pool's name (`work_pool_name`), as the WorkQueue result
shows it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from deployq.messages.filters import WorkQueueFilter
from deployq.storage.conflicts import conflict_on
from deployq.storage.filters import work_queue_conditions
from deployq.storage.locks import Lock, locked
from deployq.storage.tables import deployment, work_pool, work_queue

NAME_CONSTRAINT = "uq_work_queue__work_pool_id_name"

POOL_NAME = (
    sa.select(work_pool.c.name)
    .where(work_pool.c.id == work_queue.c.work_pool_id)
    .scalar_subquery()
    .label("work_pool_name")
)
VIEW = sa.select(*work_queue.c, POOL_NAME)
ORDER = (work_queue.c.priority, work_queue.c.name, work_queue.c.id)

# The JSON values the reference compares filters against (R69a): `json_contains(None, x)` is
# `'null'::jsonb @> x` on PostgreSQL, true exactly when x is the JSON null.
JSON_NULL = sa.literal_column("'null'::jsonb", JSONB)
EMPTY_LIST = sa.literal_column("'[]'::jsonb", JSONB)


def _stored(values: dict[str, Any]) -> dict[str, Any]:
    """A null `filter` is stored as SQL NULL, the "no legacy filter" of R69a; the JSONB type
    would otherwise write the JSON value `null`."""
    if "filter" in values and values["filter"] is None:
        return {**values, "filter": sa.null()}
    return values


def _returning(pool: RowMapping) -> tuple[sa.ColumnElement[Any], ...]:
    """A written queue row with its pool's name; a subquery would not correlate in RETURNING."""
    return (*work_queue.c, sa.literal(pool["name"], sa.Text).label("work_pool_name"))


def admits(deployment_id: UUID) -> list[sa.ColumnElement[bool]]:
    """R69a as the reference writes it, on PostgreSQL's `@>`:

    - tags: the deployment's tags contain the filter's, or the filter's are `[]` or JSON null;
    - deployment_ids: they contain the deployment's id, or are `[]` or JSON null.

    A queue without a filter (SQL NULL), or whose filter lacks a key, gives NULL in both
    and is not returned.
    """
    tags = work_queue.c.filter["tags"]
    ids = work_queue.c.filter["deployment_ids"]
    own_id = sa.func.to_jsonb(sa.cast(deployment.c.id, sa.Text))
    return [
        deployment.c.id == deployment_id,
        sa.or_(
            deployment.c.tags.contains(tags), EMPTY_LIST.contains(tags), JSON_NULL.contains(tags)
        ),
        sa.or_(ids.contains(own_id), JSON_NULL.contains(ids), EMPTY_LIST.contains(ids)),
    ]


class WorkQueueRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection

    async def create(
        self, pool: RowMapping, values: dict[str, Any], *, now: datetime
    ) -> RowMapping:
        row = {**_stored(values), "work_pool_id": pool["id"], "created": now, "updated": now}
        statement = sa.insert(work_queue).values(row).returning(*_returning(pool))
        taken = f"this work pool already has a queue named {values['name']!r}"
        with conflict_on(NAME_CONSTRAINT, taken):
            return (await self.connection.execute(statement)).mappings().one()

    async def ensure(self, pool: RowMapping, name: str, *, now: datetime) -> RowMapping:
        """The queue `name` of the pool, created with defaults if missing (R53), share-locked
        so it cannot be deleted before this transaction ends."""
        found = await self.get(pool["id"], name, lock="share")
        if found is not None:
            return found
        row = {"work_pool_id": pool["id"], "name": name, "created": now, "updated": now}
        statement = (
            insert(work_queue)
            .values(row)
            .on_conflict_do_nothing(index_elements=[work_queue.c.work_pool_id, work_queue.c.name])
            .returning(*_returning(pool))
        )
        created = (await self.connection.execute(statement)).mappings().one_or_none()
        if created is not None:
            return created
        found = await self.get(pool["id"], name, lock="share")
        if found is None:  # pragma: no cover - a twin created and deleted it meanwhile
            raise RuntimeError(f"work queue {name!r} vanished while it was being created")
        return found

    async def get(self, pool_id: UUID, name: str, *, lock: Lock = None) -> RowMapping | None:
        statement = VIEW.where(work_queue.c.work_pool_id == pool_id, work_queue.c.name == name)
        statement = locked(statement, lock, of=work_queue)
        return (await self.connection.execute(statement)).mappings().one_or_none()

    async def update(
        self, pool: RowMapping, name: str, changes: dict[str, Any], *, now: datetime
    ) -> RowMapping | None:
        statement = (
            sa.update(work_queue)
            .where(work_queue.c.work_pool_id == pool["id"], work_queue.c.name == name)
            .values(**_stored(changes), updated=now)
            .returning(*_returning(pool))
        )
        return (await self.connection.execute(statement)).mappings().one_or_none()

    async def delete(self, queue_id: UUID) -> bool:
        statement = sa.delete(work_queue).where(work_queue.c.id == queue_id)
        return (await self.connection.execute(statement)).rowcount > 0

    async def pool_name(self, queue_id: UUID) -> str | None:
        """The name of the pool a queue belongs to (None: no such queue)."""
        statement = sa.select(POOL_NAME).where(work_queue.c.id == queue_id)
        return (await self.connection.execute(statement)).scalar_one_or_none()

    async def admitting(self, deployment_id: UUID) -> list[RowMapping]:
        """R69a: queues whose legacy filter admits the deployment, each once."""
        statement = VIEW.where(*admits(deployment_id)).order_by(POOL_NAME, *ORDER)
        return list((await self.connection.execute(statement)).mappings())

    async def detach(self, queues: sa.Select[Any] | list[UUID], *, now: datetime) -> list[UUID]:
        """Point the deployments on `queues` at no queue before the queues are deleted.

        The foreign key would do the same (ON DELETE SET NULL), silently; doing it here locks
        those deployments, touches their `updated`, and names them, so each can be announced.
        """
        statement = (
            sa.update(deployment)
            .where(deployment.c.work_queue_id.in_(queues))
            .values(work_queue_id=None, updated=now)
            .returning(deployment.c.id)
        )
        return list((await self.connection.execute(statement)).scalars())

    @staticmethod
    def of_pool(pool_id: UUID) -> sa.Select[Any]:
        return sa.select(work_queue.c.id).where(work_queue.c.work_pool_id == pool_id)

    async def list(
        self, pool_id: UUID, filters: WorkQueueFilter | None, offset: int, limit: int
    ) -> list[RowMapping]:
        statement = VIEW.where(work_queue.c.work_pool_id == pool_id).order_by(*ORDER)
        condition = None if filters is None else work_queue_conditions(filters)
        if condition is not None:
            statement = statement.where(condition)
        result = await self.connection.execute(statement.offset(offset).limit(limit))
        return list(result.mappings())
