"""Handlers: one plain async function per command, and the literal table that routes to them.

A handler takes the decoded command and a unit of work, applies the spec's rules and returns a
result model; it raises `DeployqError`s and never touches the broker.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from deployq.handlers import (
    deployments,
    flows,
    manual_runs,
    new_deployments,
    previews,
    run_controls,
    runs,
    schedules,
    system,
    work_pools,
    work_queues,
)
from deployq.handlers.bounds import Bounds
from deployq.handlers.receipts import Receipt
from deployq.messages import deployments as d
from deployq.messages import flows as f
from deployq.messages import previews as p
from deployq.messages import run_controls as rc
from deployq.messages import runs as r
from deployq.messages import schedules as sc
from deployq.messages import system as s
from deployq.messages import work_pools as wp
from deployq.messages import work_queues as wq
from deployq.messages.base import Command, Result
from deployq.storage.unit_of_work import UnitOfWork


class Handler(Protocol):
    async def __call__(
        self, command: Any, uow: UnitOfWork, /, *, now: datetime
    ) -> Result | Sequence[Result]: ...


HANDLERS: dict[type[Command], Handler] = {
    s.Ping: system.ping,
    f.CreateFlow: flows.create_flow,
    f.ReadFlow: flows.read_flow,
    d.CreateDeployment: deployments.create_deployment,
    d.ReadDeployment: deployments.read_deployment,
    d.ReadDeploymentByName: deployments.read_deployment_by_name,
    d.ListDeployments: deployments.read_deployments,
    d.CountDeployments: deployments.count_deployments,
    d.UpdateDeployment: deployments.update_deployment,
    d.PauseDeployment: deployments.pause_deployment,
    d.ResumeDeployment: deployments.resume_deployment,
    d.DeleteDeployment: deployments.delete_deployment,
    sc.CreateSchedules: schedules.create_deployment_schedules,
    sc.ReadSchedules: schedules.read_deployment_schedules,
    sc.UpdateSchedule: schedules.update_deployment_schedule,
    sc.DeleteSchedule: schedules.delete_deployment_schedule,
    sc.DeleteAllSchedules: schedules.delete_deployment_schedules,
    p.PreviewSchedules: previews.preview_schedules,
    rc.Backfill: run_controls.backfill_deployment,
    rc.DropLateRuns: run_controls.drop_late_runs,
    r.ScheduleRuns: runs.schedule_runs,
    r.ReadFlowRun: runs.read_flow_run,
    r.ListFlowRuns: runs.read_flow_runs,
    r.CountFlowRuns: runs.count_flow_runs,
    r.CreateFlowRun: manual_runs.create_flow_run,
    r.DeleteFlowRun: manual_runs.delete_flow_run,
    wp.CreateWorkPool: work_pools.create_work_pool,
    wp.ReadWorkPool: work_pools.read_work_pool,
    wp.ListWorkPools: work_pools.read_work_pools,
    wp.UpdateWorkPool: work_pools.update_work_pool,
    wp.DeleteWorkPool: work_pools.delete_work_pool,
    wq.CreateWorkQueue: work_queues.create_work_queue,
    wq.ReadWorkQueue: work_queues.read_work_queue,
    wq.ListWorkQueues: work_queues.read_work_queues,
    wq.UpdateWorkQueue: work_queues.update_work_queue,
    wq.DeleteWorkQueue: work_queues.delete_work_queue,
    wq.CheckWorkQueues: work_queues.check_work_queues_for_deployment,
}


class AtOnce(Protocol):
    async def __call__(
        self, command: Any, uow: UnitOfWork, /, *, now: datetime, receipt: Receipt
    ) -> bytes | None: ...


# Commands with a one-statement path for their commonest case, tried before the general one.
AT_ONCE: dict[type[Command], AtOnce] = {
    d.CreateDeployment: new_deployments.create_new_deployment,
}


class BoundedHandler(Protocol):
    async def __call__(
        self, command: Any, uow: UnitOfWork, /, *, now: datetime, bounds: Bounds
    ) -> Result | Sequence[Result]: ...


# Commands whose handler also enforces configured bounds; the dispatcher passes them.
BOUNDED: dict[type[Command], BoundedHandler] = {
    rc.Backfill: run_controls.backfill_deployment,
}

# Routing key → command model; derived so a command cannot be routable without a handler.
COMMANDS: dict[str, type[Command]] = {model.command: model for model in HANDLERS}
