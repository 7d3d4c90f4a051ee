"""Scheduler passes (R71–R73, R76): select deployments page by page, lock each page with SKIP
LOCKED and materialise it in one transaction, with the same code as `deployment.schedule_runs`.

A pass takes a clock, so tests drive it with a fixed `now`; `deployq.scheduler` runs passes in
loops.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from sqlalchemy.engine import RowMapping

from deployq.clock import Clock
from deployq.scheduling.materialise import materialise
from deployq.scheduling.planning import Window
from deployq.settings import SchedulerSettings
from deployq.storage.database import Database
from deployq.storage.unit_of_work import UnitOfWork

# Locks and returns the page of deployments after `after` (None: from the first), for a window.
Select = Callable[[UnitOfWork, UUID | None, Window], Awaitable[list[RowMapping]]]


PAGE_CONCURRENCY = 2
"""Pages one pass works on at once. Planning and event building are Python work, inserting is
database work: with two pages in flight one page's statements run while the other is planned
(about +30 % runs/s in benchmarks/materialise/). Two pages of a pass behave like two scheduler
processes, which R74 already allows."""


@dataclass(frozen=True, slots=True)
class PassResult:
    selected: int
    created: int
    pages: int


@dataclass(slots=True)
class _Progress:
    after: UUID | None = None
    finished: bool = False
    selected: int = 0
    created: int = 0
    pages: int = 0


def _window(settings: SchedulerSettings, now: datetime) -> Window:
    return Window(
        start=now,
        end=now + settings.max_scheduled_time,
        min_time=settings.min_scheduled_time,
        min_runs=settings.min_runs,
        max_runs=settings.max_runs,
    )


async def run_pass(
    db: Database,
    settings: SchedulerSettings,
    clock: Clock,
    select: Select,
    *,
    stop: asyncio.Event | None = None,
    concurrency: int = PAGE_CONCURRENCY,
) -> PassResult:
    """One pass over every selected deployment: a transaction per page, the next page at once
    while pages are full (R71). Pages are selected one after the other (keyset on id) and then
    materialised up to `concurrency` at a time. `now` is read per page, so no date before it
    is created even in a long pass (R76)."""
    progress = _Progress()
    turn = asyncio.Lock()

    async def pages() -> None:
        while not progress.finished and (stop is None or not stop.is_set()):
            async with db.transaction() as uow:
                async with turn:
                    if progress.finished:
                        return
                    now = clock()
                    window = _window(settings, now)
                    rows = await select(uow, progress.after, window)
                    progress.finished = len(rows) < settings.deployment_batch_size
                    if rows:
                        progress.after = rows[-1]["id"]
                if not rows:
                    return
                run_ids = await materialise(
                    uow,
                    rows,
                    window,
                    now=now,
                    batch_size=settings.insert_batch_size,
                    skip_failed=True,
                )
                await uow.commit()
            progress.pages += 1
            progress.selected += len(rows)
            progress.created += len(run_ids)

    try:
        async with asyncio.TaskGroup() as group:
            for _ in range(max(1, concurrency)):
                group.create_task(pages())
    except ExceptionGroup as failed:
        raise failed.exceptions[0] from failed
    return PassResult(progress.selected, progress.created, progress.pages)


async def main_pass(
    db: Database,
    settings: SchedulerSettings,
    clock: Clock,
    *,
    stop: asyncio.Event | None = None,
    concurrency: int = PAGE_CONCURRENCY,
) -> PassResult:
    """R71: deployments with some active schedule short of runs."""

    async def select(uow: UnitOfWork, after: UUID | None, window: Window) -> list[RowMapping]:
        return await uow.scheduling.lock_due(
            now=window.start,
            min_runs=settings.min_runs,
            min_time=settings.min_scheduled_time,
            after=after,
            limit=settings.deployment_batch_size,
        )

    return await run_pass(db, settings, clock, select, stop=stop, concurrency=concurrency)


async def recent_pass(
    db: Database,
    settings: SchedulerSettings,
    clock: Clock,
    *,
    stop: asyncio.Event | None = None,
    concurrency: int = PAGE_CONCURRENCY,
) -> PassResult:
    """R73: deployments changed within the last RECENT_LOOP_SECONDS + 1 s."""
    lookback = timedelta(seconds=settings.recent_loop_seconds + 1)

    async def select(uow: UnitOfWork, after: UUID | None, window: Window) -> list[RowMapping]:
        return await uow.scheduling.lock_recent(
            since=window.start - lookback, after=after, limit=settings.deployment_batch_size
        )

    return await run_pass(db, settings, clock, select, stop=stop, concurrency=concurrency)
