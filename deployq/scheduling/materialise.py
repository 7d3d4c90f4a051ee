"""Turning plans into stored runs, in the caller's transaction: `schedule_runs` and the scheduler
share every line of it, so an explicit call and a scheduler pass cannot disagree (R66–R69, R72).

The caller has locked the deployment rows (storage/scheduling.py); schedules are read after the
lock, in the same transaction, so no run is computed from a schedule that a concurrent change
has replaced (R74).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy.engine import RowMapping

from deployq.messages import events
from deployq.messages.runs import flow_run_json
from deployq.scheduling.planning import Window, plan
from deployq.storage.new_runs import NewRun
from deployq.storage.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

INSERT_BATCH_SIZE = 500
"""R70's default, used by `schedule_runs`; the scheduler passes its own setting."""


@dataclass(frozen=True, slots=True)
class Target:
    """A locked deployment and its active schedules."""

    deployment: RowMapping
    schedules: list[RowMapping]


class PlanningFailed(Exception):
    """A stored schedule of the deployment cannot be computed (e.g. an unknown timezone)."""

    def __init__(self, deployment_id: UUID, cause: Exception) -> None:
        super().__init__(f"deployment {deployment_id}: {cause}")
        self.deployment_id = deployment_id
        self.cause = cause


async def targets(uow: UnitOfWork, deployments: Sequence[RowMapping]) -> list[Target]:
    """The deployments (already locked) with their active schedules, in one query."""
    if not deployments:
        return []
    schedules = await uow.scheduling.active_schedules([row["id"] for row in deployments])
    return [Target(row, schedules.get(row["id"], [])) for row in deployments]


def plan_targets(found: Sequence[Target], window: Window, *, skip_failed: bool) -> list[NewRun]:
    """Plan every target; with `skip_failed` a deployment whose schedules cannot be computed is
    logged and left out, so one bad schedule never stops the others (R72)."""
    runs: list[NewRun] = []
    for target in found:
        try:
            runs.extend(plan(target.deployment, target.schedules, window))
        except Exception as error:
            failed = PlanningFailed(target.deployment["id"], error)
            if not skip_failed:
                raise failed from error
            log.error("skipping deployment %s: %s", failed.deployment_id, error)
    return runs


async def insert_runs(
    uow: UnitOfWork, runs: Sequence[NewRun], *, now: datetime, batch_size: int
) -> list[str]:
    """Insert in statements of at most `batch_size` runs; announce each run really created
    (R69). Returns the created ids in plan order."""
    created: list[str] = []
    for first in range(0, len(runs), batch_size):
        chunk = runs[first : first + batch_size]
        inserted = await uow.runs.insert(chunk, now=now)
        if not inserted:
            continue
        fresh = [run for run in chunk if run.id in inserted]
        uow.emit(
            *(
                events.flow_run_created(
                    run.source.deployment_id,
                    run.id,
                    flow_run_json(run.row(now)),
                    time=now,
                )
                for run in fresh
            )
        )
        created.extend(run.id for run in fresh)
    return created


async def materialise(
    uow: UnitOfWork,
    deployments: Sequence[RowMapping],
    window: Window,
    *,
    now: datetime,
    batch_size: int = INSERT_BATCH_SIZE,
    skip_failed: bool = False,
) -> list[str]:
    """Plan and insert the runs of locked deployments; returns the ids of new runs."""
    runs = plan_targets(await targets(uow, deployments), window, skip_failed=skip_failed)
    return await insert_runs(uow, runs, now=now, batch_size=batch_size)
