"""`deployment.schedule_runs` called again, and beside other writes, against PostgreSQL with
fixed clocks: each date gets one run (R69), and updates and deletes are seen (R74)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import sqlalchemy as sa

from deployq.handlers.deployments import delete_deployment, update_deployment
from deployq.messages.deployments import DeleteDeployment, UpdateDeployment
from deployq.storage.database import Database
from tests.integration.builders import existing_runs, make_deployment, make_flow, write
from tests.integration.runs_support import (
    HOUR,
    NOW,
    QUARTER,
    SOON,
    created_events,
    delete_runs,
    grid,
    interval,
    runs,
    schedule,
    set_state,
    state_rows,
    times,
)
from tests.support import wait_until


async def test_a_second_call_creates_nothing(db: Database) -> None:
    flow = await make_flow(db, NOW)
    dep = await make_deployment(db, flow.id, NOW, schedules=[interval(3600, SOON)])
    first = await schedule(db, dep.id, NOW)

    again = await schedule(db, dep.id, NOW)

    assert again == []
    assert {r["id"] for r in await runs(db, dep.id)} == set(first)


async def test_a_later_call_adds_only_the_new_dates(db: Database) -> None:
    flow = await make_flow(db, NOW)
    dep = await make_deployment(db, flow.id, NOW, schedules=[interval(3600, SOON)])
    first = await schedule(db, dep.id, NOW)

    later = await schedule(db, dep.id, NOW + 2 * HOUR)

    assert len(later) == 2
    assert set(first).isdisjoint(later)
    assert await times(db, dep.id) == grid(SOON, HOUR, 5)


async def test_a_deleted_run_is_created_again(db: Database) -> None:
    flow = await make_flow(db, NOW)
    dep = await make_deployment(db, flow.id, NOW, schedules=[interval(3600, SOON)])
    first = await schedule(db, dep.id, NOW)
    await delete_runs(db, [first[1]])

    again = await schedule(db, dep.id, NOW)

    assert len(again) == 1
    assert again[0] != first[1]
    assert await times(db, dep.id) == grid(SOON, HOUR, 3)


async def test_a_run_in_another_state_is_not_created_again(db: Database) -> None:
    flow = await make_flow(db, NOW)
    dep = await make_deployment(db, flow.id, NOW, schedules=[interval(3600, SOON)])
    first = await schedule(db, dep.id, NOW)
    await set_state(db, first[0], "CANCELLED", "Cancelled")

    assert await schedule(db, dep.id, NOW) == []
    assert len(await runs(db, dep.id)) == 3


async def test_state_rows_and_events_only_for_new_runs(db: Database) -> None:
    flow = await make_flow(db, NOW)
    dep = await make_deployment(db, flow.id, NOW, schedules=[interval(3600, SOON)])
    first = await schedule(db, dep.id, NOW)
    await delete_runs(db, [first[0]])

    second = await schedule(db, dep.id, NOW)

    all_ids = [r["id"] for r in await runs(db, dep.id)]
    assert await state_rows(db, all_ids) == dict.fromkeys(all_ids, 1)
    stored = {r["id"]: r for r in await runs(db, dep.id)}
    events = await created_events(db, dep.id)
    assert [e["subject"] for e in events] == [str(i) for i in first + second]
    for event in events:
        assert event["type"] == "deployq.flow_run.created"
        assert event["data"]["id"] == event["subject"]
    by_id = {e["data"]["id"]: e["data"] for e in events}
    for run_id in second:
        data = by_id[str(run_id)]
        assert data["state_id"] == str(stored[run_id]["state_id"])
        assert data["idempotency_key"] == stored[run_id]["idempotency_key"]


async def test_more_runs_than_one_insert_batch(db: Database) -> None:
    flow = await make_flow(db, NOW)
    dep = await make_deployment(db, flow.id, NOW, schedules=[interval(60, SOON)])

    created = await schedule(db, dep.id, NOW, min_time=700 * 60, max_runs=1000)

    assert len(created) == 701
    assert len(set(created)) == 701
    assert len(await created_events(db, dep.id)) == 701
    assert await times(db, dep.id) == grid(SOON, timedelta(minutes=1), 701)


async def test_update_drops_future_auto_runs_and_a_second_call_refills(db: Database) -> None:
    """R57: an update removes the future runs schedule_runs made; past ones stay."""
    flow = await make_flow(db, NOW)
    dep = await make_deployment(db, flow.id, NOW, schedules=[interval(3600, SOON)])
    past = await schedule(db, dep.id, NOW, start_time=(NOW - 3 * HOUR).isoformat(), max_runs=2)
    future = await schedule(db, dep.id, NOW)
    cancelled = future[2]
    await set_state(db, cancelled, "CANCELLED", "Cancelled")

    await write(db, update_deployment, UpdateDeployment(id=dep.id, tags=["x"]), now=NOW)

    left = await existing_runs(db, past + future)
    assert set(left) == {*past, cancelled}
    refilled = await schedule(db, dep.id, NOW)
    assert len(refilled) == 2
    rows = {r["id"]: r for r in await runs(db, dep.id)}
    assert all(rows[i]["tags"] == ["auto-scheduled", "x"] for i in refilled)


async def test_delete_removes_every_scheduled_run_and_keeps_the_rest(db: Database) -> None:
    """R60 with runs made by schedule_runs: past and future go, a cancelled one stays."""
    flow = await make_flow(db, NOW)
    dep = await make_deployment(db, flow.id, NOW, schedules=[interval(3600, SOON)])
    past = await schedule(db, dep.id, NOW, start_time=(NOW - 3 * HOUR).isoformat(), max_runs=2)
    future = await schedule(db, dep.id, NOW)
    await set_state(db, future[0], "CANCELLED", "Cancelled")

    await write(db, delete_deployment, DeleteDeployment(id=dep.id), now=NOW)

    assert await existing_runs(db, past + future) == {future[0]: dep.id}


async def test_waits_for_a_concurrent_update_and_uses_its_schedules(db: Database) -> None:
    """R74: an update holding the deployment's lock makes schedule_runs wait, and the runs are
    computed from the schedules the update committed, never from the ones it replaced."""
    flow = await make_flow(db, NOW)
    dep = await make_deployment(db, flow.id, NOW, schedules=[interval(3600, SOON)])
    change = UpdateDeployment.model_validate(
        {"id": dep.id, "schedules": [interval(1800, SOON + QUARTER)]}
    )

    async with db.transaction() as updating:
        await update_deployment(change, updating, now=NOW)
        holder = (await updating.connection.execute(sa.text("SELECT pg_backend_pid()"))).scalar()
        waiting = asyncio.create_task(schedule(db, dep.id, NOW))

        async def blocked() -> bool:
            """A session waits for a lock this test's update holds."""
            statement = sa.text(
                "SELECT count(*) FROM pg_stat_activity WHERE :holder = ANY(pg_blocking_pids(pid))"
            )
            async with db.reading() as uow:
                found = await uow.connection.execute(statement, {"holder": holder})
                return bool(found.scalar_one())

        await wait_until(blocked)
        assert not waiting.done()
        await updating.commit()

    created = await waiting
    assert len(created) == 3
    assert await times(db, dep.id) == grid(SOON + QUARTER, HOUR / 2, 3)
