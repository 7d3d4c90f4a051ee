"""`deployment.backfill` against PostgreSQL (CONTRACT §8): which occurrences get runs, how the
runs are marked, the scheduler's keys, and the bound."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from pydantic import ValidationError

from deployq.errors import NotFound, ValidationFailed
from deployq.handlers.deployments import pause_deployment
from deployq.handlers.runs import read_flow_run
from deployq.messages.deployments import PauseDeployment
from deployq.messages.run_controls import Backfill
from deployq.messages.runs import ReadFlowRun
from deployq.scheduling.planning import idempotency_key
from deployq.storage.database import Database
from tests.integration.builders import existing_runs, make_deployment, make_flow, read, write
from tests.integration.controls_support import backfill, created
from tests.integration.deployments_support import update
from tests.integration.runs_support import HOUR, NOW, grid, interval, runs, schedule, times

DAY = timedelta(days=1)


async def test_every_occurrence_in_the_closed_range_gets_a_run(db: Database) -> None:
    flow = await make_flow(db, NOW)
    dep = await make_deployment(db, flow.id, NOW, schedules=[interval(3600, NOW)])
    start, end = NOW - 5 * HOUR, NOW - HOUR  # both bounds are occurrences

    result = await backfill(db, NOW, deployment_id=dep.id, start=start, end=end)

    assert await times(db, dep.id) == grid(start, HOUR, 5)
    assert [r["id"] for r in await runs(db, dep.id)] == result.run_ids
    assert result.existing == 0
    assert await created(db, dep.id) == [str(i) for i in result.run_ids]


async def test_backfilled_runs_are_marked(db: Database) -> None:
    flow = await make_flow(db, NOW)
    dep = await make_deployment(
        db,
        flow.id,
        NOW,
        tags=["prod"],
        labels={"team": "data"},
        parameters={"a": 1, "b": 1},
        schedules=[interval(86400, NOW, parameters={"b": 2}, slug="daily")],
    )
    schedule_id = dep.schedules[0].id

    result = await backfill(db, NOW, deployment_id=dep.id, start=NOW - DAY, end=NOW - DAY)

    run = await read(db, read_flow_run, ReadFlowRun(id=result.run_ids[0]), now=NOW)
    assert run.auto_scheduled is False
    assert run.tags == ["prod", "backfill"]
    assert run.labels == {
        "team": "data",
        "deployq.flow.id": str(flow.id),
        "deployq.deployment.id": str(dep.id),
        "deployq.backfill.id": str(result.backfill_id),
    }
    assert run.created_by is not None
    assert (run.created_by.id, run.created_by.type, run.created_by.display_value) == (
        schedule_id,
        "BACKFILL",
        "daily",
    )
    assert run.parameters == {"a": 1, "b": 2}
    assert run.idempotency_key == idempotency_key(dep.id, schedule_id, NOW - DAY)
    assert run.expected_start_time == NOW - DAY


async def test_a_repeated_backfill_creates_nothing(db: Database) -> None:
    flow = await make_flow(db, NOW)
    dep = await make_deployment(db, flow.id, NOW, schedules=[interval(3600, NOW)])
    body: dict[str, Any] = {"deployment_id": dep.id, "start": NOW - 4 * HOUR, "end": NOW}
    first = await backfill(db, NOW, **body)

    again = await backfill(db, NOW, **body)

    assert (len(first.run_ids), again.run_ids, again.existing) == (5, [], 5)
    assert again.backfill_id != first.backfill_id
    assert len(await created(db, dep.id)) == 5


async def test_occurrences_the_scheduler_made_count_as_existing(db: Database) -> None:
    flow = await make_flow(db, NOW)
    dep = await make_deployment(db, flow.id, NOW, schedules=[interval(3600, NOW)])
    scheduled = await schedule(db, dep.id, NOW, min_runs=3, max_runs=3, min_time=0)

    result = await backfill(db, NOW, deployment_id=dep.id, start=NOW, end=NOW + 5 * HOUR)

    assert (len(result.run_ids), result.existing) == (3, 3)
    assert await times(db, dep.id) == grid(NOW, HOUR, 6)
    assert set(await existing_runs(db, scheduled)) == set(scheduled)


async def test_active_schedules_by_default_listed_ones_even_inactive(db: Database) -> None:
    flow = await make_flow(db, NOW)
    dep = await make_deployment(
        db,
        flow.id,
        NOW,
        schedules=[
            interval(3600, NOW, slug="on"),
            interval(1800, NOW + 60 * timedelta(seconds=1), slug="off", active=False),
        ],
    )
    off = next(s.id for s in dep.schedules if s.slug == "off")
    window: dict[str, Any] = {"deployment_id": dep.id, "start": NOW, "end": NOW + HOUR}

    by_default = await backfill(db, NOW, **window)
    listed = await backfill(db, NOW, schedule_ids=[off], **window)

    assert len(by_default.run_ids) == 2
    assert len(listed.run_ids) == 2
    assert (await runs(db, dep.id))[1]["schedule_id"] == off


async def test_a_schedule_of_another_deployment_is_not_found(db: Database) -> None:
    flow = await make_flow(db, NOW)
    dep = await make_deployment(db, flow.id, NOW, schedules=[interval(3600, NOW)])
    other = await make_deployment(db, flow.id, NOW, schedules=[interval(3600, NOW)])

    with pytest.raises(NotFound, match=str(other.schedules[0].id)):
        await backfill(
            db, NOW, deployment_id=dep.id, start=NOW, end=NOW, schedule_ids=[other.schedules[0].id]
        )


async def test_paused_deployments_and_future_ranges_are_backfilled(db: Database) -> None:
    flow = await make_flow(db, NOW)
    dep = await make_deployment(db, flow.id, NOW, schedules=[interval(86400, NOW)])
    await write(db, pause_deployment, PauseDeployment(id=dep.id), now=NOW)

    result = await backfill(db, NOW, deployment_id=dep.id, start=NOW + DAY, end=NOW + 3 * DAY)

    assert len(result.run_ids) == 3


async def test_more_occurrences_than_the_bound_is_refused_and_creates_nothing(
    db: Database,
) -> None:
    flow = await make_flow(db, NOW)
    dep = await make_deployment(
        db, flow.id, NOW, schedules=[interval(3600, NOW), interval(7200, NOW)]
    )
    body: dict[str, Any] = {"deployment_id": dep.id, "start": NOW, "end": NOW + 4 * HOUR}

    with pytest.raises(ValidationFailed, match="more than 7 occurrences") as refused:
        await backfill(db, NOW, most=7, **body)
    exact = await backfill(db, NOW, most=8, **body)

    assert "DEPLOYQ_BACKFILL_MAX_RUNS" in refused.value.message
    stored = await runs(db, dep.id)
    in_order = sorted(stored, key=lambda r: (r["next_scheduled_start_time"], str(r["schedule_id"])))
    assert exact.run_ids == [r["id"] for r in in_order]  # time order, ties by schedule id
    assert len(exact.run_ids) == 8


async def test_the_bound_may_pass_the_per_call_cap_of_r12(db: Database) -> None:
    flow = await make_flow(db, NOW)
    dep = await make_deployment(db, flow.id, NOW, schedules=[interval(60, NOW)])
    body: dict[str, Any] = {
        "deployment_id": dep.id,
        "start": NOW,
        "end": NOW + timedelta(minutes=2499),
    }

    result = await backfill(db, NOW, most=2500, **body)

    assert len(result.run_ids) == 2500
    assert (await times(db, dep.id))[-1] == NOW + timedelta(minutes=2499)


async def test_schedule_changes_leave_backfilled_runs_alone(db: Database) -> None:
    flow = await make_flow(db, NOW)
    dep = await make_deployment(db, flow.id, NOW, schedules=[interval(3600, NOW)])
    result = await backfill(db, NOW, deployment_id=dep.id, start=NOW, end=NOW + 2 * HOUR)

    await update(db, NOW, id=dep.id, schedules=[interval(60, NOW)])

    assert set(await existing_runs(db, result.run_ids)) == set(result.run_ids)


async def test_two_backfills_at_once_create_each_run_once(db: Database) -> None:
    flow = await make_flow(db, NOW)
    dep = await make_deployment(db, flow.id, NOW, schedules=[interval(600, NOW)])
    body: dict[str, Any] = {"deployment_id": dep.id, "start": NOW, "end": NOW + 10 * HOUR}

    one, two = await asyncio.gather(backfill(db, NOW, **body), backfill(db, NOW, **body))

    assert sorted([len(one.run_ids), len(two.run_ids)]) == [0, 61]
    assert one.existing + two.existing == 61
    assert len(await times(db, dep.id)) == 61


async def test_unknown_deployment_is_not_found(db: Database) -> None:
    with pytest.raises(NotFound):
        await backfill(db, NOW, deployment_id=uuid4(), start=NOW, end=NOW)


def test_start_after_end_is_refused() -> None:
    with pytest.raises(ValidationError, match="start must not be after end"):
        Backfill(deployment_id=UUID(int=1), start=NOW, end=NOW - HOUR)
