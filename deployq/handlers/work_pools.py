"""Work pool commands (R2): plain async functions over a unit of work."""

from __future__ import annotations

from datetime import datetime

from deployq.handlers import announce, convert, missing
from deployq.messages.base import Deleted
from deployq.messages.work_pools import (
    CreateWorkPool,
    DeleteWorkPool,
    ListWorkPools,
    ReadWorkPool,
    UpdateWorkPool,
    WorkPool,
    WorkPools,
)
from deployq.storage.unit_of_work import UnitOfWork


async def create_work_pool(command: CreateWorkPool, uow: UnitOfWork, *, now: datetime) -> WorkPool:
    """The pool and its `default` queue, in one transaction; a taken name is a conflict."""
    return convert.work_pool(await uow.work_pools.create(command.model_dump(), now=now))


async def read_work_pool(command: ReadWorkPool, uow: UnitOfWork, *, now: datetime) -> WorkPool:
    row = await uow.work_pools.get(command.name)
    if row is None:
        raise missing.work_pool(command.name)
    return convert.work_pool(row)


async def read_work_pools(command: ListWorkPools, uow: UnitOfWork, *, now: datetime) -> WorkPools:
    rows = await uow.work_pools.list(command.work_pools, command.offset, command.limit)
    return WorkPools(
        items=[convert.work_pool(r) for r in rows], offset=command.offset, limit=command.limit
    )


async def update_work_pool(command: UpdateWorkPool, uow: UnitOfWork, *, now: datetime) -> WorkPool:
    """Exclude-unset; `updated` is touched even when nothing else changes."""
    changes = command.model_dump(include=command.model_fields_set - {"name"})
    row = await uow.work_pools.update(command.name, changes, now=now)
    if row is None:
        raise missing.work_pool(command.name)
    return convert.work_pool(row)


async def delete_work_pool(command: DeleteWorkPool, uow: UnitOfWork, *, now: datetime) -> Deleted:
    """The pool and its queues go; deployments on them are left without a queue and announced.

    The pool row is locked first, so a deployment being routed to the pool either commits
    before (and is detached here) or waits and then finds no pool.
    """
    pool = await uow.work_pools.get(command.name, lock="update")
    if pool is None:
        raise missing.work_pool(command.name)
    detached = await uow.work_queues.detach(uow.work_queues.of_pool(pool["id"]), now=now)
    await uow.work_pools.delete(pool["id"])
    await announce.deployments_detached(uow, detached, now=now)
    return Deleted(deleted=True)
