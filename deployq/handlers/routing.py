"""Which work queue a deployment is routed to (R53, R56).

Lock order, kept by every writer so none of them deadlock: the pool row, then the queue row,
then deployment rows. Routing share-locks the pool and the queue it resolves to, so neither can
be deleted before the deployment pointing at it commits.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from deployq.handlers import missing
from deployq.messages.deployments import CreateDeployment, UpdateDeployment
from deployq.messages.work_pools import DEFAULT_POOL, DEFAULT_POOL_TYPE
from deployq.storage.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class Route:
    """The `work_queue_id` to store, and the name of the pool it lies in (for the reply)."""

    work_queue_id: UUID | None
    work_pool_name: str | None


async def resolve_work_queue(
    uow: UnitOfWork, command: CreateDeployment | UpdateDeployment, *, now: datetime
) -> Route | None:
    """R53; None when the command names neither pool nor queue, so `work_queue_id` stays.

    - pool and queue: that queue of that pool, created if missing; the pool must exist;
    - pool only: the pool's default queue;
    - `work_pool_name` present and null (R56): no queue, whatever `work_queue_name` says;
    - queue only: that queue of the default pool, both created if missing.

    `work_queue_name` itself is stored as given by the caller; this only decides the id.
    """
    pool_name, queue_name = command.work_pool_name, command.work_queue_name
    if pool_name:
        pool = await uow.work_pools.get(pool_name, lock="share")
        if pool is None:
            raise missing.work_pool(pool_name)
        if not queue_name:
            return Route(pool["default_queue_id"], pool_name)
        queue = await uow.work_queues.ensure(pool, queue_name, now=now)
        return Route(queue["id"], pool_name)
    if "work_pool_name" in command.model_fields_set:
        return Route(None, None)
    if queue_name:
        pool = await uow.work_pools.ensure(DEFAULT_POOL, DEFAULT_POOL_TYPE, now=now)
        queue = await uow.work_queues.ensure(pool, queue_name, now=now)
        return Route(queue["id"], DEFAULT_POOL)
    return None


async def work_pool_name(
    uow: UnitOfWork, row: Mapping[Any, Any], route: Route | None
) -> str | None:
    """The pool a just-written deployment row lies in, as `deployment.read` would show it."""
    if route is not None:
        return route.work_pool_name
    queue_id = row["work_queue_id"]
    return None if queue_id is None else await uow.work_queues.pool_name(queue_id)
