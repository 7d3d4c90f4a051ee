"""`deployment.schedule_runs` against PostgreSQL, with fixed clocks: which dates get runs
(R66, R67) and what a run holds (R68)."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest

from deployq.errors import NotFound
from deployq.handlers.deployments import pause_deployment
from deployq.handlers.runs import read_flow_run
from deployq.messages.deployments import PauseDeployment
from deployq.messages.runs import ReadFlowRun
from deployq.scheduling.planning import idempotency_key
from deployq.storage.database import Database
from tests.integration.builders import (
    make_deployment,
    make_flow,
    read,
    write,
)
from tests.integration.pools import insert_work_pool, set_work_queue
from tests.integration.runs_support import (
    HOUR,
    NOW,
    QUARTER,
    SOON,
    grid,
    interval,
    runs,
    schedule,
    times,
)


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
