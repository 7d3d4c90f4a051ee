"""Work pools and queues for the integration tests: made through their own handlers, or inserted
as plain rows and attached to deployments by hand, for tests that need no routing rule (R53)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

import sqlalchemy as sa

from deployq.handlers.work_pools import create_work_pool, delete_work_pool, read_work_pool
from deployq.handlers.work_queues import (
    check_work_queues_for_deployment,
    create_work_queue,
    read_work_queue,
)
from deployq.messages.deployments import Deployment
from deployq.messages.work_pools import (
    DEFAULT_POOL,
    CreateWorkPool,
    DeleteWorkPool,
    ReadWorkPool,
    WorkPool,
)
from deployq.messages.work_queues import CheckWorkQueues, CreateWorkQueue, ReadWorkQueue, WorkQueue
from deployq.storage.database import Database
from deployq.storage.tables import deployment, work_pool, work_queue
from tests.integration.builders import read, write
from tests.support import unique


async def make_pool(db: Database, now: datetime, **fields: Any) -> WorkPool:
    body = {"name": unique("pool"), **fields}
    return await write(db, create_work_pool, CreateWorkPool.model_validate(body), now=now)


async def make_queue(db: Database, now: datetime, pool: str | None, **fields: Any) -> WorkQueue:
    body = {"name": unique("queue"), **fields}
    if pool is not None:
        body["work_pool_name"] = pool
    return await write(db, create_work_queue, CreateWorkQueue.model_validate(body), now=now)


async def pool_named(db: Database, now: datetime, name: str) -> WorkPool:
    return await read(db, read_work_pool, ReadWorkPool(name=name), now=now)


async def queue_named(db: Database, now: datetime, pool: str | None, name: str) -> WorkQueue:
    command = ReadWorkQueue.model_validate({"work_pool_name": pool, "name": name})
    return await read(db, read_work_queue, command, now=now)


async def admitting(db: Database, now: datetime, deployment_id: UUID) -> list[WorkQueue]:
    command = CheckWorkQueues(deployment_id=deployment_id)
    return await read(db, check_work_queues_for_deployment, command, now=now)


async def stored_filter(db: Database, queue_id: UUID) -> tuple[bool, Any]:
    """(is SQL NULL, the JSON value) of a queue's `filter` column, told apart as stored."""
    async with db.reading() as uow:
        statement = sa.select(work_queue.c.filter.is_(None), work_queue.c.filter).where(
            work_queue.c.id == queue_id
        )
        row = (await uow.connection.execute(statement)).one()
    return bool(row[0]), row[1]


async def deployment_queue(db: Database, deployment_id: UUID) -> tuple[UUID | None, str | None]:
    """The stored (`work_queue_id`, `work_queue_name`) of a deployment."""
    async with db.reading() as uow:
        statement = sa.select(deployment.c.work_queue_id, deployment.c.work_queue_name).where(
            deployment.c.id == deployment_id
        )
        row = (await uow.connection.execute(statement)).one()
    return row[0], row[1]


async def queue_count(db: Database, pool_name: str, queue_name: str) -> int:
    """How many queues of that name the pool of that name has (0 or 1)."""
    async with db.reading() as uow:
        statement = (
            sa.select(sa.func.count())
            .select_from(work_queue.join(work_pool, work_pool.c.id == work_queue.c.work_pool_id))
            .where(work_pool.c.name == pool_name, work_queue.c.name == queue_name)
        )
        return int((await uow.connection.execute(statement)).scalar_one())


async def pool_count(db: Database, name: str) -> int:
    async with db.reading() as uow:
        statement = (
            sa.select(sa.func.count()).select_from(work_pool).where(work_pool.c.name == name)
        )
        return int((await uow.connection.execute(statement)).scalar_one())


def routed(d: Deployment) -> tuple[str | None, str | None, UUID | None]:
    return d.work_pool_name, d.work_queue_name, d.work_queue_id


async def drop_default_pool(db: Database, now: datetime) -> None:
    """The default pool is shared; every path that needs it makes it when missing."""
    if await pool_count(db, DEFAULT_POOL):
        await write(db, delete_work_pool, DeleteWorkPool(name=DEFAULT_POOL), now=now)


async def queues_of(db: Database, pool_id: UUID) -> int:
    """How many queues the pool has."""
    async with db.reading() as uow:
        statement = (
            sa.select(sa.func.count())
            .select_from(work_queue)
            .where(work_queue.c.work_pool_id == pool_id)
        )
        return int((await uow.connection.execute(statement)).scalar_one())


@dataclass(frozen=True)
class Pool:
    id: UUID
    name: str
    default_queue_id: UUID
    queues: dict[str, UUID]


async def insert_work_pool(
    db: Database, *, name: str | None = None, type: str = "process", queues: tuple[str, ...] = ()
) -> Pool:
    """A pool with its `default` queue and the named extra queues (R2, R3)."""
    pool_name = name or unique("pool")
    pool_id, default_id = uuid4(), uuid4()
    async with db.transaction() as uow:
        await uow.connection.execute(
            sa.insert(work_pool).values(
                id=pool_id, name=pool_name, type=type, default_queue_id=default_id
            )
        )
        names = ("default", *queues)
        ids = {"default": default_id, **{q: uuid4() for q in queues}}
        await uow.connection.execute(
            sa.insert(work_queue),
            [{"id": ids[n], "name": n, "work_pool_id": pool_id} for n in names],
        )
        await uow.commit()
    return Pool(pool_id, pool_name, default_id, ids)


async def set_work_queue(db: Database, deployment_id: UUID, work_queue_id: UUID | None) -> None:
    """Point a deployment at a queue without going through R53's resolution."""
    async with db.transaction() as uow:
        await uow.connection.execute(
            sa.update(deployment)
            .where(deployment.c.id == deployment_id)
            .values(work_queue_id=work_queue_id)
        )
        await uow.commit()
