"""Which deployments the scheduler's passes pick (R71–R74), against PostgreSQL with fixed
clocks: the due ones, page after page, the recent ones; a bad or locked one is skipped.

Passes cover the whole test database, so other tests' deployments are materialised too; every
assertion is about this test's own deployments."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from deployq.clock import fixed
from deployq.handlers.deployments import pause_deployment
from deployq.messages.deployments import PauseDeployment
from deployq.scheduling.passes import main_pass, recent_pass
from deployq.settings import SchedulerSettings
from deployq.storage.database import Database
from deployq.storage.tables import deployment_schedule
from tests.integration.builders import make_deployment, make_flow, write
from tests.integration.runs_support import (
    HOUR,
    QUARTER,
    delete_runs,
    grid,
    interval,
    runs,
    schedule,
    times,
)
from tests.integration.scheduler.support import DEFAULTS, due, recent


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
