"""Flow-run rules shared by the commands: which scheduled runs go when a deployment changes (R7)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from deployq.handlers import announce
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
