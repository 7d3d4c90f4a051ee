"""Flow-run commands (R66–R69, `flow_run.*`) and the rule shared by the deployment commands:
which scheduled runs go when a deployment changes (R7)."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from deployq.errors import Conflict
from deployq.handlers import announce, convert, missing
from deployq.messages.base import Counted
from deployq.messages.runs import (
    CountFlowRuns,
    FlowRun,
    FlowRuns,
    ListFlowRuns,
    ReadFlowRun,
    ScheduledRuns,
    ScheduleRuns,
)
from deployq.scheduling import materialise
from deployq.scheduling.planning import Window
from deployq.storage.unit_of_work import UnitOfWork


async def delete_scheduled_runs(
    uow: UnitOfWork,
    deployment_id: UUID,
    *,
    auto_only: bool,
    future_only: bool,
    now: datetime,
) -> int:
    """Delete the deployment's deletable-scheduled runs and announce each one."""
    rows = await uow.runs.delete_scheduled(
        deployment_id, auto_only=auto_only, future_after=now if future_only else None
    )
    announce.runs_deleted(uow, rows, now=now)
    return len(rows)


async def schedule_runs(command: ScheduleRuns, uow: UnitOfWork, *, now: datetime) -> ScheduledRuns:
    """R66–R69: create the runs the active schedules call for; `paused` is not consulted, so a
    backfill works on a paused deployment. Waits for the deployment's lock (R74)."""
    deployment = await uow.scheduling.lock(command.deployment_id)
    if deployment is None:
        raise missing.deployment(command.deployment_id)
    window = Window.of(
        command.start_time or now,
        command.end_time,
        min_time=None if command.min_time is None else timedelta(seconds=command.min_time),
        min_runs=command.min_runs,
        max_runs=command.max_runs,
    )
    try:
        run_ids = await materialise.materialise(uow, [deployment], window, now=now)
    except materialise.PlanningFailed as failed:
        raise Conflict(f"a stored schedule cannot be computed: {failed.cause}") from failed
    return ScheduledRuns(run_ids=[UUID(run_id) for run_id in run_ids])


async def read_flow_run(command: ReadFlowRun, uow: UnitOfWork, *, now: datetime) -> FlowRun:
    row = await uow.runs.get(command.id)
    if row is None:
        raise missing.flow_run(command.id)
    return convert.flow_run(row)


async def read_flow_runs(command: ListFlowRuns, uow: UnitOfWork, *, now: datetime) -> FlowRuns:
    rows = await uow.runs.list(command, command.sort, command.offset, command.limit)
    return FlowRuns(
        items=[convert.flow_run(r) for r in rows], offset=command.offset, limit=command.limit
    )


async def count_flow_runs(command: CountFlowRuns, uow: UnitOfWork, *, now: datetime) -> Counted:
    return Counted(count=await uow.runs.count(command))
