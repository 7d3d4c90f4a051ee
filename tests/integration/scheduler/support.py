"""What the scheduler pass tests share: the selections the loops would make, and the settings."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from deployq.settings import SchedulerSettings
from deployq.storage.database import Database

DEFAULTS = SchedulerSettings()


async def due(db: Database, now: datetime, settings: SchedulerSettings = DEFAULTS) -> set[UUID]:
    """What the main loop would select at `now` (locks taken and released at once)."""
    async with db.transaction() as uow:
        rows = await uow.scheduling.lock_due(
            now=now,
            min_runs=settings.min_runs,
            min_time=settings.min_scheduled_time,
            after=None,
            limit=1_000_000,
        )
    return {r["id"] for r in rows}


async def recent(db: Database, since: datetime) -> set[UUID]:
    async with db.transaction() as uow:
        rows = await uow.scheduling.lock_recent(since=since, after=None, limit=1_000_000)
    return {r["id"] for r in rows}
