"""Work pools on the wire (R2): the commands `work_pool.*` and the WorkPool result.

A pool is addressed by its name in every command; its name and type are fixed at creation (as
in the reference, whose update model has neither), so `work_pool.update` refuses them as unknown
fields.
"""

from __future__ import annotations

from uuid import UUID

from deployq.messages.base import Command, Count, Json, Limit, Name, Offset, Page, Timestamps
from deployq.messages.filters import WorkPoolFilter

PoolName = Name
PoolLimit = Count

# The pool that queues named without a pool live in (R2); made on demand, with this type.
DEFAULT_POOL = "default-agent-pool"
DEFAULT_POOL_TYPE = "prefect-agent"


class CreateWorkPool(Command):
    """A new pool and its `default` queue; a name already taken is a conflict."""

    command = "work_pool.create"
    writes = True

    name: PoolName
    type: str = DEFAULT_POOL_TYPE
    description: str | None = None
    is_paused: bool = False
    concurrency_limit: PoolLimit | None = None
    base_job_template: Json = {}


class ReadWorkPool(Command):
    command = "work_pool.read"
    writes = False

    name: PoolName


class ListWorkPools(Command):
    """Pools by name, filtered like the `work_pools` group of `deployment.list` (R55)."""

    command = "work_pool.list"
    writes = False

    work_pools: WorkPoolFilter | None = None
    offset: Offset = 0
    limit: Limit = 200


class UpdateWorkPool(Command):
    """Exclude-unset, like `deployment.update`: only fields present change; `description` and
    `concurrency_limit` may be cleared with null, the others may not be null."""

    command = "work_pool.update"
    writes = True

    name: PoolName
    description: str | None = None
    is_paused: bool = False
    concurrency_limit: PoolLimit | None = None
    base_job_template: Json = {}


class DeleteWorkPool(Command):
    """Deletes the pool and its queues; deployments on them keep no queue (see README)."""

    command = "work_pool.delete"
    writes = True

    name: PoolName


class WorkPool(Timestamps):
    name: str
    type: str
    description: str | None
    is_paused: bool
    concurrency_limit: int | None
    base_job_template: Json
    default_queue_id: UUID


class WorkPools(Page):
    items: list[WorkPool]
