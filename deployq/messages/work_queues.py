"""Work queues on the wire (R3, R69a): the commands `work_queue.*`, `deployment.work_queues`
and the WorkQueue result.

A queue is addressed by its pool's name and its own; a command without `work_pool_name` means
the default pool (R2). The name is the address, so it is not changed by `work_queue.update`.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from deployq.messages.base import (
    Command,
    Count,
    Limit,
    Name,
    Offset,
    Page,
    PositiveCount,
    Timestamps,
    Wire,
)
from deployq.messages.filters import WorkQueueFilter
from deployq.messages.work_pools import PoolName

QueueName = Name
QueueLimit = Count
Priority = PositiveCount

# Every pool's own queue, made with the pool and pointed to by its `default_queue_id` (R2).
DEFAULT_QUEUE = "default"


class QueueFilter(Wire):
    """The legacy filter (R3). Stored with both keys, so a key left out reads as null."""

    tags: list[str] | None = None
    deployment_ids: list[UUID] | None = None


class QueueFields(Wire):
    """A queue's address (pool, default pool when left out, and name) and settable fields."""

    work_pool_name: PoolName | None = None
    name: QueueName
    description: str = ""
    is_paused: bool = False
    concurrency_limit: QueueLimit | None = None
    priority: Priority = 1
    filter: QueueFilter | None = None


class CreateWorkQueue(QueueFields, Command):
    command = "work_queue.create"
    writes = True


class ReadWorkQueue(Command):
    command = "work_queue.read"
    writes = False

    work_pool_name: PoolName | None = None
    name: QueueName


class ListWorkQueues(Command):
    """A pool's queues, by priority then name, filtered like `deployment.list`'s `work_queues`."""

    command = "work_queue.list"
    writes = False

    work_pool_name: PoolName | None = None
    work_queues: WorkQueueFilter | None = None
    offset: Offset = 0
    limit: Limit = 200


class UpdateWorkQueue(QueueFields, Command):
    """Exclude-unset: only fields present change. `concurrency_limit` and `filter` may be
    cleared with null; the others may not be null."""

    command = "work_queue.update"
    writes = True


class DeleteWorkQueue(Command):
    """A pool's `default` queue cannot be deleted (conflict); delete the pool instead."""

    command = "work_queue.delete"
    writes = True

    work_pool_name: PoolName | None = None
    name: QueueName


class CheckWorkQueues(Command):
    """R69a: the queues whose legacy filter admits the deployment."""

    command = "deployment.work_queues"
    writes = False

    deployment_id: UUID


class WorkQueue(Timestamps):
    name: str
    work_pool_id: UUID
    work_pool_name: str
    description: str
    is_paused: bool
    concurrency_limit: int | None
    priority: int
    filter: QueueFilter | None
    last_polled: datetime | None


class WorkQueues(Page):
    items: list[WorkQueue]
