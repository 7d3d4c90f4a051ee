"""`deployment.backfill` and `deployment.drop_late_runs` (CONTRACT §8)."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from uuid_utils.compat import uuid7

from deployq.errors import Conflict, ValidationFailed
from deployq.handlers import announce, missing
from deployq.handlers.bounds import DEFAULT_BOUNDS, Bounds
from deployq.messages.run_controls import Backfill, Backfilled, DropLateRuns, RunsDropped
from deployq.scheduling.controls import backfill_runs
from deployq.scheduling.materialise import insert_runs
from deployq.scheduling.occurring import TooMany
from deployq.storage.unit_of_work import UnitOfWork


async def backfill_deployment(
    command: Backfill, uow: UnitOfWork, *, now: datetime, bounds: Bounds = DEFAULT_BOUNDS
) -> Backfilled:
    """A run for every occurrence in [start, end], past or future, paused or not, in one
    insert; occurrences that have a run already are counted in `existing`. Holds the
    deployment's lock, as `schedule_runs` and the scheduler do, so schedules cannot change
    under it."""
    deployment = await uow.scheduling.lock(command.deployment_id)
    if deployment is None:
        raise missing.deployment(command.deployment_id)
    schedules = await uow.schedules.for_deployment(
        command.deployment_id, active=None if command.schedule_ids else True
    )
    if command.schedule_ids:
        by_id = {row["id"]: row for row in schedules}
        for schedule_id in command.schedule_ids:
            if schedule_id not in by_id:
                raise missing.schedule(command.deployment_id, schedule_id)
        schedules = [by_id[i] for i in dict.fromkeys(command.schedule_ids)]
    backfill_id = uuid7()
    most = bounds.backfill_max_runs
    try:
        runs = backfill_runs(
            deployment, schedules, command.start, command.end, backfill_id=backfill_id, most=most
        )
    except TooMany as error:
        raise ValidationFailed(
            f"the range holds more than {most} occurrences, the most one backfill may create"
            f" (DEPLOYQ_BACKFILL_MAX_RUNS); split it into smaller ranges",
            [
                {
                    "loc": ["end"],
                    "msg": f"more than {most} occurrences between start and end",
                    "type": "too_many_occurrences",
                }
            ],
        ) from error
    except ValueError as error:
        raise Conflict(f"a stored schedule cannot be computed: {error}") from error
    created = await insert_runs(uow, runs, now=now, batch_size=max(len(runs), 1))
    return Backfilled(
        backfill_id=backfill_id,
        run_ids=[UUID(run_id) for run_id in created],
        existing=len(runs) - len(created),
    )


async def drop_late_runs(command: DropLateRuns, uow: UnitOfWork, *, now: datetime) -> RunsDropped:
    """Delete the runs an outage left late, each announced as `flow_run.deleted`."""
    if await uow.scheduling.lock(command.deployment_id) is None:
        raise missing.deployment(command.deployment_id)
    gone = await uow.runs.delete_late(
        command.deployment_id,
        cutoff=now - timedelta(seconds=command.late_after),
        keep_latest=command.keep_latest,
    )
    announce.runs_deleted(uow, gone, now=now)
    return RunsDropped(deleted=len(gone))
