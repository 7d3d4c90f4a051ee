"""The `not_found` errors handlers raise, worded once for every command that names an object,
each with the command that makes one."""

from __future__ import annotations

from uuid import UUID

from deployq.errors import NotFound


def flow(key: object) -> NotFound:
    """`key` is the flow's id, or its name (shown quoted)."""
    shown = repr(key) if isinstance(key, str) else key
    return NotFound(f"flow {shown} does not exist; create it with flow.create")


def flow_run(run_id: UUID) -> NotFound:
    return NotFound(f"flow run {run_id} does not exist")


def deployment(deployment_id: UUID) -> NotFound:
    return NotFound(
        f"deployment {deployment_id} does not exist; deployment.list shows those that do"
    )


def schedule(deployment_id: UUID, schedule_id: UUID) -> NotFound:
    return NotFound(f"deployment {deployment_id} has no schedule {schedule_id}")


def work_pool(name: str) -> NotFound:
    return NotFound(f"work pool {name!r} does not exist; create it with work_pool.create")


def work_queue(pool_name: str, name: str) -> NotFound:
    return NotFound(
        f"work pool {pool_name!r} has no queue named {name!r}; create it with work_queue.create"
    )
