"""The runs the scheduler's passes leave (R72, R74–R76), against PostgreSQL with fixed clocks: two
concurrent passes make each run once, a changed schedule is reconciled, no date is before now.

Passes cover the whole test database, so other tests' deployments are materialised too; every
assertion is about this test's own deployments."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from deployq.clock import fixed
from deployq.handlers.deployments import update_deployment
from deployq.messages.deployments import UpdateDeployment
from deployq.scheduling.document import spec as schedule_spec
from deployq.scheduling.passes import main_pass, recent_pass
from deployq.scheduling.planning import Window, pick_dates
from deployq.settings import SchedulerSettings
from deployq.storage.database import Database
from tests.integration.builders import make_deployment, make_flow, write
from tests.integration.runs_support import (
    HOUR,
    created_events,
    grid,
    interval,
    runs,
    state_rows,
    times,
)
from tests.integration.scheduler.support import DEFAULTS, due


async def test_concurrent_passes_create_exactly_one_passes_runs(
    db: Database, other_db: Database, now: datetime
) -> None:
    flow = await make_flow(db, now)
    every = [600, 900, 1800, 3600, 7200, 86400]
    made = [
        await make_deployment(
            db,
            flow.id,
            now,
            schedules=[interval(s, now + timedelta(seconds=k)), interval(s * 2, now)],
        )
        for k, s in enumerate(every * 3)
    ]
    settings = SchedulerSettings(deployment_batch_size=2, insert_batch_size=7)

    results = await asyncio.gather(
        main_pass(db, settings, fixed(now)), main_pass(other_db, settings, fixed(now))
    )

    window = Window(now, now + settings.max_scheduled_time, settings.min_scheduled_time, 3, 100)
    all_ids: list[UUID] = []
    for dep in made:
        rows = await runs(db, dep.id)
        all_ids += [r["id"] for r in rows]
        announced = [e["subject"] for e in await created_events(db, dep.id)]
        assert sorted(announced) == sorted(str(r["id"]) for r in rows)
        for s in dep.schedules:
            expected = pick_dates(schedule_spec(s.schedule.model_dump(mode="json")), window)
            got = [r["next_scheduled_start_time"] for r in rows if r["schedule_id"] == s.id]
            assert got == expected
    assert await state_rows(db, all_ids) == dict.fromkeys(all_ids, 1)
    assert sum(r.created for r in results) >= len(all_ids)


async def test_a_changed_schedule_is_reconciled_on_the_next_pass(
    db: Database, now: datetime
) -> None:
    flow = await make_flow(db, now)
    soon = now + timedelta(seconds=1)
    dep = await make_deployment(db, flow.id, now, schedules=[interval(3600, soon)])
    await main_pass(db, DEFAULTS, fixed(now))
    change: dict[str, Any] = {"id": dep.id, "schedules": [interval(1800, soon)]}
    await write(db, update_deployment, UpdateDeployment.model_validate(change), now=now)

    await recent_pass(db, DEFAULTS, fixed(now + timedelta(seconds=1)))

    rows = await runs(db, dep.id)
    assert [r["next_scheduled_start_time"] for r in rows] == grid(soon, HOUR / 2, 3)
    assert {r["schedule_id"] for r in rows} != {dep.schedules[0].id}
    assert len({r["schedule_id"] for r in rows}) == 1


async def test_no_date_before_now(db: Database, now: datetime) -> None:
    flow = await make_flow(db, now)
    anchor = now - timedelta(days=10, minutes=-7)
    dep = await make_deployment(db, flow.id, now, schedules=[interval(3600, anchor)])

    await main_pass(db, DEFAULTS, fixed(now))

    assert await times(db, dep.id) == grid(now + timedelta(minutes=7), HOUR, 3)


async def test_a_schedule_that_cannot_fill_stays_due_and_adds_nothing(
    db: Database, now: datetime
) -> None:
    """R75: a 60-day interval never reaches MIN_RUNS within MAX_SCHEDULED_TIME."""
    flow = await make_flow(db, now)
    dep = await make_deployment(db, flow.id, now, schedules=[interval(60 * 86400, now)])
    await main_pass(db, DEFAULTS, fixed(now))
    first = await runs(db, dep.id)

    assert dep.id in await due(db, now)
    await main_pass(db, DEFAULTS, fixed(now))

    assert len(first) == 2
    assert await runs(db, dep.id) == first
