"""Work queue commands (R3) and `deployment.work_queues` (R69a).

A command without `work_pool_name` addresses the default pool: writes create it on demand (R2),
reads answer not_found while it does not exist.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.engine import RowMapping

from deployq.errors import Conflict
from deployq.handlers import announce, convert, missing
from deployq.messages.base import Deleted
from deployq.messages.work_pools import DEFAULT_POOL, DEFAULT_POOL_TYPE
from deployq.messages.work_queues import (
    CheckWorkQueues,
    CreateWorkQueue,
    DeleteWorkQueue,
    ListWorkQueues,
    QueueFilter,
    ReadWorkQueue,
    UpdateWorkQueue,
    WorkQueue,
    WorkQueues,
)
from deployq.storage.locks import Lock
from deployq.storage.unit_of_work import UnitOfWork

ADDRESS = frozenset({"work_pool_name", "name"})


async def _pool(uow: UnitOfWork, name: str | None, *, lock: Lock = None) -> RowMapping:
    row = await uow.work_pools.get(name or DEFAULT_POOL, lock=lock)
    if row is None:
        raise missing.work_pool(name or DEFAULT_POOL)
    return row


def _values(command: CreateWorkQueue | UpdateWorkQueue, fields: set[str]) -> dict[str, Any]:
    """Column values for the fields given; the filter is stored with both of its keys."""
    values = command.model_dump(include=fields - ADDRESS - {"filter"})
    if "filter" in fields:
        given: QueueFilter | None = command.filter
        values["filter"] = None if given is None else given.model_dump(mode="json")
    return values


async def create_work_queue(
    command: CreateWorkQueue, uow: UnitOfWork, *, now: datetime
) -> WorkQueue:
    """A new queue; a name the pool already has (`default` included) is a conflict."""
    if command.work_pool_name is None:
        pool = await uow.work_pools.ensure(DEFAULT_POOL, DEFAULT_POOL_TYPE, now=now)
    else:
        pool = await _pool(uow, command.work_pool_name, lock="share")
    values = {**_values(command, set(CreateWorkQueue.model_fields)), "name": command.name}
    return convert.work_queue(await uow.work_queues.create(pool, values, now=now))


async def read_work_queue(command: ReadWorkQueue, uow: UnitOfWork, *, now: datetime) -> WorkQueue:
    pool = await _pool(uow, command.work_pool_name)
    row = await uow.work_queues.get(pool["id"], command.name)
    if row is None:
        raise missing.work_queue(pool["name"], command.name)
    return convert.work_queue(row)


async def read_work_queues(
    command: ListWorkQueues, uow: UnitOfWork, *, now: datetime
) -> WorkQueues:
    """By priority, then name."""
    pool = await _pool(uow, command.work_pool_name)
    rows = await uow.work_queues.list(
        pool["id"], command.work_queues, command.offset, command.limit
    )
    return WorkQueues(
        items=[convert.work_queue(r) for r in rows], offset=command.offset, limit=command.limit
    )


async def update_work_queue(
    command: UpdateWorkQueue, uow: UnitOfWork, *, now: datetime
) -> WorkQueue:
    """Exclude-unset; `updated` is touched even when nothing else changes."""
    pool = await _pool(uow, command.work_pool_name)
    changes = _values(command, set(command.model_fields_set))
    row = await uow.work_queues.update(pool, command.name, changes, now=now)
    if row is None:
        raise missing.work_queue(pool["name"], command.name)
    return convert.work_queue(row)


async def delete_work_queue(command: DeleteWorkQueue, uow: UnitOfWork, *, now: datetime) -> Deleted:
    """Refused for the pool's `default` queue, as the reference does; deployments on the
    queue are left without one and announced."""
    pool = await _pool(uow, command.work_pool_name, lock="share")
    queue = await uow.work_queues.get(pool["id"], command.name, lock="update")
    if queue is None:
        raise missing.work_queue(pool["name"], command.name)
    if queue["id"] == pool["default_queue_id"]:
        raise Conflict(
            f"{command.name!r} is the default queue of work pool {pool['name']!r}; "
            "it goes only with its pool"
        )
    detached = await uow.work_queues.detach([queue["id"]], now=now)
    await uow.work_queues.delete(queue["id"])
    await announce.deployments_detached(uow, detached, now=now)
    return Deleted(deleted=True)


async def check_work_queues_for_deployment(
    command: CheckWorkQueues, uow: UnitOfWork, *, now: datetime
) -> list[WorkQueue]:
    """R69a: queues whose legacy filter admits the deployment; queues without one are not
    returned. Ordered by pool name, priority, queue name."""
    if not await uow.deployments.exists(command.deployment_id):
        raise missing.deployment(command.deployment_id)
    rows = await uow.work_queues.admitting(command.deployment_id)
    return [convert.work_queue(r) for r in rows]
