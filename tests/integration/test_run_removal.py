"""`flow_run.delete` and `deployment.drop_late_runs` against PostgreSQL (CONTRACT §8)."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest
import sqlalchemy as sa

from deployq.errors import NotFound
from deployq.storage.database import Database
from deployq.storage.tables import flow_run_state
from tests.integration.builders import (
    NOW_AUTO,
    PAST_AUTO,
    PAST_MANUAL,
    existing_runs,
    insert_run,
    make_deployment,
    make_flow,
    seed_runs,
    surviving_kinds,
)
from tests.integration.controls_support import delete_run, deleted, drop_late, events, manual_run
from tests.integration.runs_support import HOUR, NOW, set_state, state_rows


async def test_delete_removes_a_run_in_any_state_with_its_states(db: Database) -> None:
    flow = await make_flow(db, NOW)
    dep = await make_deployment(db, flow.id, NOW)
    run = await manual_run(db, NOW, deployment_id=dep.id)
    await set_state(db, run.id, "RUNNING", "Running")

    result = await delete_run(db, NOW, run.id)

    assert result.deleted is True
    assert await existing_runs(db, [run.id]) == {}
    assert await state_rows(db, [run.id]) == {}
    [event] = await events(db, f"flow_run.deleted.{dep.id}")
    assert event["data"] == {
        "id": str(run.id),
        "deployment_id": str(dep.id),
        "scheduled_time": NOW.isoformat().replace("+00:00", "Z"),
    }


async def test_delete_of_a_run_without_deployment(db: Database) -> None:
    flow = await make_flow(db, NOW)
    run_id = await insert_run(db, flow_id=flow.id, deployment_id=None, start=None)

    assert (await delete_run(db, NOW, run_id)).deleted is True
    assert await existing_runs(db, [run_id]) == {}


async def test_delete_of_an_unknown_run_is_not_found(db: Database) -> None:
    with pytest.raises(NotFound, match="flow run"):
        await delete_run(db, NOW, uuid4())


async def test_drop_late_runs_deletes_late_deletable_runs_auto_or_not(db: Database) -> None:
    flow = await make_flow(db, NOW)
    dep = await make_deployment(db, flow.id, NOW)
    other = await make_deployment(db, flow.id, NOW)
    runs = await seed_runs(
        db, flow_id=flow.id, deployment_id=dep.id, other_deployment_id=other.id, now=NOW
    )

    count = await drop_late(db, NOW, deployment_id=dep.id)

    assert count == 2
    assert await surviving_kinds(db, runs) == set(runs) - {PAST_AUTO, PAST_MANUAL}
    announced = set(await deleted(db, dep.id))
    assert announced == {str(runs[PAST_AUTO]), str(runs[PAST_MANUAL])}


async def test_late_after_moves_the_cutoff_back(db: Database) -> None:
    flow = await make_flow(db, NOW)
    dep = await make_deployment(db, flow.id, NOW)
    other = await make_deployment(db, flow.id, NOW)
    runs = await seed_runs(
        db, flow_id=flow.id, deployment_id=dep.id, other_deployment_id=other.id, now=NOW
    )

    # Past runs started two hours ago: three hours' grace keeps them, one hour's does not.
    assert await drop_late(db, NOW, deployment_id=dep.id, late_after=3 * 3600) == 0
    assert await drop_late(db, NOW + timedelta(seconds=1), deployment_id=dep.id) == 3
    assert NOW_AUTO not in await surviving_kinds(db, runs)


async def test_keep_latest_keeps_the_latest_late_run(db: Database) -> None:
    flow = await make_flow(db, NOW)
    dep = await make_deployment(db, flow.id, NOW)
    starts = [NOW - k * HOUR for k in (3, 1, 2)]
    ids = [await insert_run(db, flow_id=flow.id, deployment_id=dep.id, start=t) for t in starts]

    count = await drop_late(db, NOW, deployment_id=dep.id, keep_latest=True)

    assert count == 2
    assert set(await existing_runs(db, ids)) == {ids[1]}


async def test_keep_latest_with_nothing_late_deletes_nothing(db: Database) -> None:
    flow = await make_flow(db, NOW)
    dep = await make_deployment(db, flow.id, NOW)
    run = await insert_run(db, flow_id=flow.id, deployment_id=dep.id, start=NOW + HOUR)

    assert await drop_late(db, NOW, deployment_id=dep.id, keep_latest=True) == 0
    assert await existing_runs(db, [run]) == {run: dep.id}
    assert await deleted(db, dep.id) == []


async def test_dropped_runs_take_their_states(db: Database) -> None:
    flow = await make_flow(db, NOW)
    dep = await make_deployment(db, flow.id, NOW)
    run = await manual_run(db, NOW - HOUR, deployment_id=dep.id)

    assert await drop_late(db, NOW, deployment_id=dep.id) == 1
    statement = sa.select(sa.func.count()).where(flow_run_state.c.flow_run_id == run.id)
    async with db.reading() as uow:
        assert (await uow.connection.execute(statement)).scalar_one() == 0


async def test_drop_late_runs_of_an_unknown_deployment_is_not_found(db: Database) -> None:
    with pytest.raises(NotFound):
        await drop_late(db, NOW, deployment_id=uuid4())
