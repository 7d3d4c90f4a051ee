"""`deployment.schedule_runs` against PostgreSQL: R66–R69 one by one, with fixed clocks."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
import sqlalchemy as sa

from deployq.errors import NotFound
from deployq.handlers.deployments import delete_deployment, pause_deployment, update_deployment
from deployq.handlers.runs import read_flow_run
from deployq.messages.deployments import DeleteDeployment, PauseDeployment, UpdateDeployment
from deployq.messages.runs import ReadFlowRun
from deployq.scheduling.planning import idempotency_key
from deployq.storage.database import Database
from tests.integration.builders import (
    existing_runs,
    insert_work_pool,
    make_deployment,
    make_flow,
    read,
    set_work_queue,
    write,
)
from tests.integration.runs_support import (
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

NOW = datetime(2031, 6, 1, 12, 0, tzinfo=UTC)
SOON = NOW + timedelta(seconds=1)  # "anchor just after start"
HOUR = timedelta(hours=1)
QUARTER = timedelta(minutes=15)


async def test_defaults_keep_min_runs_and_cover_an_hour(db: Database) -> None:
    flow = await make_flow(db, NOW)
    dep = await make_deployment(db, flow.id, NOW, schedules=[interval(3600, SOON)])

    created = await schedule(db, dep.id, NOW)

    assert len(created) == 3
    assert await times(db, dep.id) == grid(SOON, HOUR, 3)


async def test_r68_run_fields_as_read_back(db: Database) -> None:
    flow = await make_flow(db, NOW)
    dep = await make_deployment(
        db,
        flow.id,
        NOW,
        version="7",
        tags=["nightly"],
        labels={"team": "data"},
        parameters={"a": 1, "b": 1},
        work_queue_name="fast",
        infrastructure_document_id=str(uuid4()),
        schedules=[interval(86400, SOON, parameters={"b": 2}, slug="daily")],
    )
    pool = await insert_work_pool(db, queues=("fast",))
    await set_work_queue(db, dep.id, pool.queues["fast"])
    schedule_id = dep.schedules[0].id

    created = await schedule(db, dep.id, NOW, max_runs=1)

    run = await read(db, read_flow_run, ReadFlowRun(id=created[0]), now=NOW)
    assert run.id.version == 7
    assert run.state_id is not None
    assert run.state_id.version == 7
    assert run.name.count("-") == 1
    assert run.created == run.updated == NOW
    assert (run.flow_id, run.deployment_id, run.deployment_version) == (flow.id, dep.id, "7")
    assert (run.work_queue_name, run.work_queue_id) == ("fast", pool.queues["fast"])
    assert run.infrastructure_document_id == dep.infrastructure_document_id
    assert run.parameters == {"a": 1, "b": 2}
    assert run.tags == ["auto-scheduled", "nightly"]
    assert run.labels == {
        "team": "data",
        "deployq.flow.id": str(flow.id),
        "deployq.deployment.id": str(dep.id),
    }
    assert run.auto_scheduled is True
    assert run.run_count == 0
    assert (run.state_type, run.state_name) == ("SCHEDULED", "Scheduled")
    assert run.expected_start_time == run.next_scheduled_start_time == SOON
    assert run.idempotency_key == idempotency_key(dep.id, schedule_id, SOON)
    assert run.idempotency_key.endswith("2031-06-01T12:00:01+00:00")
    assert run.created_by is not None
    assert run.created_by.model_dump() == {
        "id": schedule_id,
        "type": "SCHEDULE",
        "display_value": "daily",
    }
    assert run.state is not None
    assert run.state.model_dump() == {
        "id": run.state_id,
        "type": "SCHEDULED",
        "name": "Scheduled",
        "timestamp": NOW,
        "message": "Flow run scheduled",
        "state_details": {"scheduled_time": SOON},
    }
    stored = (await runs(db, dep.id))[0]
    assert stored["schedule_id"] == schedule_id


async def test_explicit_bounds(db: Database) -> None:
    flow = await make_flow(db, NOW)
    dep = await make_deployment(db, flow.id, NOW, schedules=[interval(900, SOON)])
    start = NOW - timedelta(days=2)  # a backfill from the past

    created = await schedule(
        db,
        dep.id,
        NOW,
        start_time=start.isoformat(),
        end_time=(start + timedelta(hours=10)).isoformat(),
        min_time=7200,
        min_runs=2,
        max_runs=50,
    )

    first = start + timedelta(seconds=1)
    assert len(created) == 9
    assert await times(db, dep.id) == grid(first, QUARTER, 9)


async def test_inactive_schedules_are_skipped(db: Database) -> None:
    flow = await make_flow(db, NOW)
    dep = await make_deployment(
        db,
        flow.id,
        NOW,
        schedules=[interval(3600, SOON, active=False), interval(7200, SOON + QUARTER)],
    )

    await schedule(db, dep.id, NOW)

    assert await times(db, dep.id) == grid(SOON + QUARTER, 2 * HOUR, 3)


async def test_no_active_schedule_creates_nothing(db: Database) -> None:
    flow = await make_flow(db, NOW)
    inactive = await make_deployment(
        db, flow.id, NOW, schedules=[interval(3600, SOON, active=False)]
    )
    bare = await make_deployment(db, flow.id, NOW)

    assert await schedule(db, inactive.id, NOW) == []
    assert await schedule(db, bare.id, NOW) == []


async def test_several_schedules_are_independent(db: Database) -> None:
    flow = await make_flow(db, NOW)
    dep = await make_deployment(
        db,
        flow.id,
        NOW,
        schedules=[interval(900, SOON, slug="q"), interval(6 * 3600, SOON, slug="six")],
    )
    quarter_id = next(s.id for s in dep.schedules if s.slug == "q")

    await schedule(db, dep.id, NOW)

    rows = await runs(db, dep.id)
    quarter = [r["next_scheduled_start_time"] for r in rows if r["schedule_id"] == quarter_id]
    six = [r["next_scheduled_start_time"] for r in rows if r["schedule_id"] != quarter_id]
    assert quarter == grid(SOON, QUARTER, 5)
    assert six == grid(SOON, 6 * HOUR, 3)


async def test_a_paused_deployment_is_still_scheduled_by_the_command(db: Database) -> None:
    flow = await make_flow(db, NOW)
    dep = await make_deployment(db, flow.id, NOW, schedules=[interval(3600, SOON)])
    await write(db, pause_deployment, PauseDeployment(id=dep.id), now=NOW)

    assert len(await schedule(db, dep.id, NOW)) == 3


async def test_unknown_deployment_is_not_found(db: Database) -> None:
    with pytest.raises(NotFound, match="does not exist"):
        await schedule(db, uuid4(), NOW)


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
        waiting = asyncio.create_task(schedule(db, dep.id, NOW))

        async def blocked() -> bool:
            async with db.reading() as uow:
                statement = sa.text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    " AND wait_event_type = 'Lock' AND query LIKE '%FOR UPDATE%'"
                )
                return bool((await uow.connection.execute(statement)).scalar_one())

        await wait_until(blocked)
        assert not waiting.done()
        await updating.commit()

    created = await waiting
    assert len(created) == 3
    assert await times(db, dep.id) == grid(SOON + QUARTER, HOUR / 2, 3)
