"""`deployment.pause` and `deployment.resume` against PostgreSQL (R59)."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import uuid4

import pytest

from deployq.errors import NotFound
from deployq.handlers.deployments import pause_deployment, resume_deployment
from deployq.messages.deployments import PauseDeployment, ResumeDeployment
from deployq.storage.database import Database
from tests.integration.builders import (
    AUTO_ANY_TIME,
    existing_runs,
    insert_run,
    make_deployment,
    make_flow,
    runs_of,
    seed_runs,
    surviving_kinds,
    write,
)
from tests.integration.deployments_support import by_slug, every, reread, stored_fields


async def test_r59_pause_deletes_auto_runs_past_and_future(db: Database, now: datetime) -> None:
    flow = await make_flow(db, now)
    target = await make_deployment(db, flow.id, now, schedules=[every(3600)])
    other = await make_deployment(db, flow.id, now)
    runs = await seed_runs(
        db, flow_id=flow.id, deployment_id=target.id, other_deployment_id=other.id, now=now
    )
    later = now + timedelta(seconds=1)

    paused = await write(db, pause_deployment, PauseDeployment(id=target.id), now=later)

    assert paused.paused is True
    assert paused.updated == later
    assert await surviving_kinds(db, runs) == set(runs) - AUTO_ANY_TIME
    assert (await reread(db, target.id, later)).paused is True


async def test_r59_pausing_twice_is_harmless(db: Database, now: datetime) -> None:
    flow = await make_flow(db, now)
    target = await make_deployment(db, flow.id, now, schedules=[every(60)])
    await write(db, pause_deployment, PauseDeployment(id=target.id), now=now)
    run = await insert_run(
        db, flow_id=flow.id, deployment_id=target.id, start=now + timedelta(hours=1)
    )

    again = await write(db, pause_deployment, PauseDeployment(id=target.id), now=now)

    assert again.paused is True
    assert run not in await existing_runs(db, [run])
    assert stored_fields(again) == stored_fields(await reread(db, target.id, now))


async def test_r59_pause_and_resume_leave_schedule_flags_alone(db: Database, now: datetime) -> None:
    flow = await make_flow(db, now)
    target = await make_deployment(
        db, flow.id, now, schedules=[every(60, slug="on"), every(60, slug="off", active=False)]
    )
    before = by_slug(target.schedules)

    paused = await write(db, pause_deployment, PauseDeployment(id=target.id), now=now)
    assert by_slug(paused.schedules) == before

    resumed = await write(db, resume_deployment, ResumeDeployment(id=target.id), now=now)
    assert by_slug(resumed.schedules) == before


async def test_r59_resume_clears_paused_touches_updated_and_creates_no_runs(
    db: Database, now: datetime
) -> None:
    flow = await make_flow(db, now)
    target = await make_deployment(db, flow.id, now, paused=True, schedules=[every(60)])
    manual = await insert_run(
        db,
        flow_id=flow.id,
        deployment_id=target.id,
        start=now + timedelta(hours=1),
        auto_scheduled=False,
    )
    later = now + timedelta(minutes=10)

    resumed = await write(db, resume_deployment, ResumeDeployment(id=target.id), now=later)

    assert resumed.paused is False
    assert resumed.updated == later
    assert resumed.created == now
    assert await runs_of(db, target.id) == {manual}
    assert stored_fields(resumed) == {**stored_fields(target), "paused": False}


async def test_r59_resume_of_a_running_deployment_only_touches_updated(
    db: Database, now: datetime
) -> None:
    flow = await make_flow(db, now)
    target = await make_deployment(db, flow.id, now)
    run = await insert_run(
        db, flow_id=flow.id, deployment_id=target.id, start=now + timedelta(hours=1)
    )
    later = now + timedelta(minutes=1)

    resumed = await write(db, resume_deployment, ResumeDeployment(id=target.id), now=later)

    assert resumed.paused is False
    assert resumed.updated == later
    assert run in await existing_runs(db, [run])  # resume deletes nothing


async def test_r59_pause_unknown_id_is_not_found(db: Database, now: datetime) -> None:
    missing = uuid4()
    with pytest.raises(NotFound, match=str(missing)):
        await write(db, pause_deployment, PauseDeployment(id=missing), now=now)


async def test_r59_resume_unknown_id_is_not_found(db: Database, now: datetime) -> None:
    missing = uuid4()
    with pytest.raises(NotFound, match=str(missing)):
        await write(db, resume_deployment, ResumeDeployment(id=missing), now=now)
