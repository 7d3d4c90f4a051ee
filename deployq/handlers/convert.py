"""The one place where table rows and wire models meet."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from deployq.messages.deployments import Deployment, DeploymentUpserted
from deployq.messages.flows import Flow
from deployq.messages.runs import FlowRun, flow_run_document
from deployq.messages.schedules import DeploymentSchedule, ScheduleCreate
from deployq.messages.work_pools import WorkPool
from deployq.messages.work_queues import WorkQueue
from deployq.scheduling import document

Row = Mapping[Any, Any]


def flow(row: Row) -> Flow:
    return Flow.model_validate(dict(row))


def schedule(row: Row) -> DeploymentSchedule:
    return DeploymentSchedule.model_validate(dict(row))


def deployment(row: Row, schedules: Sequence[Row] | None = None) -> Deployment:
    """`row` is a deployment row; its schedules come from the row (reads) or are given (writes)."""
    data = dict(row)
    if schedules is not None:
        data["schedules"] = [dict(s) for s in schedules]
    data.setdefault("work_pool_name", None)
    return Deployment.model_validate(data)


def upserted(row: Row, schedules: Sequence[Row], work_pool_name: str | None) -> DeploymentUpserted:
    data = {**row, "schedules": [dict(s) for s in schedules], "work_pool_name": work_pool_name}
    data["outcome"] = "created" if row["inserted"] else "updated"
    return DeploymentUpserted.model_validate(data)


SCHEDULE_FIELDS = (
    "active",
    "parameters",
    "slug",
    "max_scheduled_runs",
    "max_active_runs",
    "catchup",
)


def schedule_values(given: ScheduleCreate, *, now: datetime) -> dict[str, Any]:
    """Column values for a new schedule row."""
    values = {name: getattr(given, name) for name in SCHEDULE_FIELDS}
    values["schedule"] = document.resolve(given.schedule, now=now)
    return values


def flow_run(row: Row) -> FlowRun:
    return FlowRun.model_validate(flow_run_document(row))


def work_pool(row: Row) -> WorkPool:
    return WorkPool.model_validate(dict(row))


def work_queue(row: Row) -> WorkQueue:
    """`row` is a queue row carrying its pool's name (`work_pool_name`)."""
    return WorkQueue.model_validate(dict(row))
