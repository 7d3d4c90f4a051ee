"""The scheduler's passes against PostgreSQL (R70–R76), driven with fixed clocks.

Passes cover the whole test database, so other tests' deployments are materialised too; every
assertion is about this test's own deployments.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
import sqlalchemy as sa

from deployq.clock import fixed
from deployq.handlers.deployments import pause_deployment, update_deployment
from deployq.messages.deployments import PauseDeployment, UpdateDeployment
from deployq.scheduling.document import spec as schedule_spec
from deployq.scheduling.passes import main_pass, recent_pass
from deployq.scheduling.planning import Window, pick_dates
from deployq.settings import SchedulerSettings
from deployq.storage.database import Database, create_engine
from deployq.storage.tables import deployment_schedule
from tests.integration.builders import make_deployment, make_flow, write
from tests.integration.runs_support import (
    created_events,
    delete_runs,
    grid,
    interval,
    runs,
    schedule,
    state_rows,
    times,
)

HOUR = timedelta(hours=1)
QUARTER = timedelta(minutes=15)
DEFAULTS = SchedulerSettings()


@pytest.fixture
def now() -> datetime:
    """A fixed instant near the real clock, whole seconds so dates read easily."""
    return datetime.now(UTC).replace(microsecond=0)


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


async def test_a_pass_fills_due_deployments_only(db: Database, now: datetime) -> None:
    flow = await make_flow(db, now)
    soon = now + timedelta(seconds=1)
    hungry = await make_deployment(db, flow.id, now, schedules=[interval(3600, soon)])
    paused = await make_deployment(db, flow.id, now, schedules=[interval(3600, soon)])
    await write(db, pause_deployment, PauseDeployment(id=paused.id), now=now)
    inactive = await make_deployment(
        db, flow.id, now, schedules=[interval(3600, soon, active=False)]
    )
    bare = await make_deployment(db, flow.id, now)
    stocked = await make_deployment(db, flow.id, now, schedules=[interval(3600, soon)])
    stock = await schedule(db, stocked.id, now)
    ours = {hungry.id, paused.id, inactive.id, bare.id, stocked.id}
    assert await due(db, now) & ours == {hungry.id}

    result = await main_pass(db, DEFAULTS, fixed(now))

    assert result.created >= 3
    assert await times(db, hungry.id) == grid(soon, HOUR, 3)
    for nothing in (paused, inactive, bare):
        assert await runs(db, nothing.id) == []
    assert {r["id"] for r in await runs(db, stocked.id)} == set(stock)
    assert await due(db, now) & ours == set()


async def test_a_starved_schedule_is_refilled_beside_a_stocked_sibling(
    db: Database, now: datetime
) -> None:
    flow = await make_flow(db, now)
    soon = now + timedelta(seconds=1)
    dep = await make_deployment(
        db,
        flow.id,
        now,
        schedules=[interval(900, soon, slug="quarter"), interval(6 * 3600, soon, slug="six")],
    )
    quarter_id = next(s.id for s in dep.schedules if s.slug == "quarter")
    await main_pass(db, DEFAULTS, fixed(now))
    eaten = [r["id"] for r in await runs(db, dep.id) if r["schedule_id"] == quarter_id]
    assert len(eaten) == 5
    await delete_runs(db, eaten)
    # Per deployment it looks stocked: 3 runs, the last 12 h away. Per schedule it is not.
    assert dep.id in await due(db, now)

    await main_pass(db, DEFAULTS, fixed(now))

    rows = await runs(db, dep.id)
    refilled = [r["next_scheduled_start_time"] for r in rows if r["schedule_id"] == quarter_id]
    assert refilled == grid(soon, QUARTER, 5)
    assert len(rows) == 8


async def test_pages_are_followed_while_full(db: Database, now: datetime) -> None:
    flow = await make_flow(db, now)
    soon = now + timedelta(seconds=1)
    made = [
        await make_deployment(db, flow.id, now, schedules=[interval(3600, soon)]) for _ in range(5)
    ]
    settings = SchedulerSettings(deployment_batch_size=2)

    result = await main_pass(db, settings, fixed(now))

    assert result.pages >= 3
    for dep in made:
        assert await times(db, dep.id) == grid(soon, HOUR, 3)


async def test_recent_loop_selection(db: Database, now: datetime) -> None:
    flow = await make_flow(db, now)
    long_ago = now - timedelta(days=3)
    fresh = await make_deployment(db, flow.id, now, schedules=[interval(3600, now)])
    old = await make_deployment(db, flow.id, long_ago, schedules=[interval(3600, now)])
    schedule_touched = await make_deployment(db, flow.id, long_ago, schedules=[interval(3600, now)])
    async with db.transaction() as uow:
        await uow.connection.execute(
            sa.update(deployment_schedule)
            .where(deployment_schedule.c.deployment_id == schedule_touched.id)
            .values(updated=now)
        )
        await uow.commit()
    paused = await make_deployment(db, flow.id, now, paused=True, schedules=[interval(3600, now)])
    inactive = await make_deployment(
        db, flow.id, now, schedules=[interval(3600, now, active=False)]
    )
    ours = {fresh.id, old.id, schedule_touched.id, paused.id, inactive.id}
    later = now + timedelta(seconds=2)
    lookback = timedelta(seconds=DEFAULTS.recent_loop_seconds + 1)

    assert await recent(db, later - lookback) & ours == {fresh.id, schedule_touched.id}
    assert await recent(db, now + timedelta(seconds=1)) & ours == set()

    await recent_pass(db, DEFAULTS, fixed(later))

    assert len(await runs(db, fresh.id)) == 3
    assert len(await runs(db, schedule_touched.id)) == 3
    assert await runs(db, old.id) == []


async def test_a_bad_schedule_is_logged_and_skipped(
    db: Database, now: datetime, caplog: pytest.LogCaptureFixture
) -> None:
    flow = await make_flow(db, now)
    made = [
        await make_deployment(db, flow.id, now, schedules=[interval(3600, now)]) for _ in range(3)
    ]
    bad = made[1]
    async with db.transaction() as uow:
        await uow.connection.execute(
            sa.update(deployment_schedule)
            .where(deployment_schedule.c.deployment_id == bad.id)
            .values(schedule={"interval": 3600, "anchor_date": "x", "timezone": "UTC"})
        )
        await uow.commit()

    with caplog.at_level(logging.ERROR, logger="deployq.scheduling.materialise"):
        await main_pass(db, SchedulerSettings(deployment_batch_size=1), fixed(now))

    assert await runs(db, bad.id) == []
    assert len(await runs(db, made[0].id)) == 3
    assert len(await runs(db, made[2].id)) == 3
    assert any(str(bad.id) in record.getMessage() for record in caplog.records)


async def test_a_locked_deployment_is_skipped_and_picked_up_later(
    db: Database, now: datetime
) -> None:
    flow = await make_flow(db, now)
    busy = await make_deployment(db, flow.id, now, schedules=[interval(3600, now)])
    free = await make_deployment(db, flow.id, now, schedules=[interval(3600, now)])

    async with db.transaction() as holder:
        assert await holder.scheduling.lock(busy.id) is not None
        await main_pass(db, DEFAULTS, fixed(now))
        assert await runs(db, busy.id) == []
        assert len(await runs(db, free.id)) == 3

    await main_pass(db, DEFAULTS, fixed(now))
    assert len(await runs(db, busy.id)) == 3


@pytest.fixture
async def other_db(database_url: str) -> AsyncIterator[Database]:
    """A second engine: a second scheduler process's connections."""
    database = Database(create_engine(database_url, pool_size=2))
    yield database
    await database.dispose()


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
