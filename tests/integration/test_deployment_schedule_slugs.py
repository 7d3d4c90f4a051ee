"""Schedules inside `deployment.update` matched by slug (R58): patched in place, created, kept,
or refused with nothing changed."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from deployq.errors import Conflict, ValidationFailed
from deployq.handlers.deployments import update_deployment
from deployq.messages.deployments import UpdateDeployment
from deployq.storage.database import Database
from tests.integration.builders import (
    existing_runs,
    insert_run,
    make_deployment,
    make_flow,
    schedule_rows,
)
from tests.integration.deployments_support import (
    by_slug,
    every,
    interval_of,
    reread,
    update,
)


async def test_r58_slugs_match_stored_schedules(db: Database, now: datetime) -> None:
    flow = await make_flow(db, now)
    created = await make_deployment(
        db,
        flow.id,
        now,
        schedules=[every(60, slug="a", parameters={"old": 1}), every(120, slug="b")],
    )
    before = by_slug(created.schedules)
    later = now + timedelta(minutes=1)

    updated = await update(
        db,
        later,
        id=created.id,
        schedules=[
            every(900, slug="a", active=False, parameters={"new": 2}, max_scheduled_runs=5),
            every(1800, slug="c"),
        ],
    )

    after = by_slug(updated.schedules)
    assert set(after) == {"a", "b", "c"}
    # matched: patched in place
    assert after["a"].id == before["a"].id
    assert interval_of(after["a"]) == 900
    assert after["a"].active is False
    assert after["a"].parameters == {"new": 2}
    assert after["a"].max_scheduled_runs == 5
    assert after["a"].created == now
    assert after["a"].updated == later
    # unmentioned: kept as it was
    assert after["b"] == before["b"]
    # unmatched: created, active by default
    assert after["c"].id not in {s.id for s in created.schedules}
    assert interval_of(after["c"]) == 1800
    assert after["c"].active is True
    assert after["c"].created == later
    assert updated == await reread(db, created.id, later)


async def test_r58_slug_match_keeps_the_fields_left_out(db: Database, now: datetime) -> None:
    flow = await make_flow(db, now)
    created = await make_deployment(
        db,
        flow.id,
        now,
        schedules=[every(60, slug="a", parameters={"p": 1}, max_scheduled_runs=4)],
    )
    [before] = created.schedules

    updated = await update(db, now, id=created.id, schedules=[{"slug": "a", "active": False}])

    [after] = updated.schedules
    assert after.id == before.id
    assert after.active is False
    assert after.schedule == before.schedule
    assert after.parameters == {"p": 1}
    assert after.max_scheduled_runs == 4


async def test_r58_slug_match_given_null_keeps_stored_values(db: Database, now: datetime) -> None:
    flow = await make_flow(db, now)
    created = await make_deployment(db, flow.id, now, schedules=[every(60, slug="a")])

    updated = await update(
        db,
        now,
        id=created.id,
        schedules=[{"slug": "a", "active": None, "parameters": None, "catchup": None}],
    )

    [after] = updated.schedules
    assert after.active is True
    assert after.parameters == {}
    assert after.catchup is False


async def test_r58_unslugged_schedule_against_slugged_ones_is_refused_and_nothing_changes(
    db: Database, now: datetime
) -> None:
    flow = await make_flow(db, now)
    created = await make_deployment(
        db, flow.id, now, description="before", schedules=[every(60, slug="a"), every(90, slug="b")]
    )
    run = await insert_run(
        db, flow_id=flow.id, deployment_id=created.id, start=now + timedelta(hours=1)
    )
    before = await reread(db, created.id, now)
    command = UpdateDeployment.model_validate(
        {
            "id": created.id,
            "description": "after",
            "paused": True,
            "schedules": [every(300, slug="a"), every(600)],
        }
    )

    async with db.transaction() as uow:
        with pytest.raises(ValidationFailed) as raised:
            await update_deployment(command, uow, now=now + timedelta(minutes=1))

    assert [d["loc"] for d in raised.value.details] == [["schedules", 1, "slug"]]
    assert await reread(db, created.id, now) == before
    assert before.description == "before"
    assert {s.id for s in before.schedules} == {s.id for s in created.schedules}
    assert run in await existing_runs(db, [run])


async def test_r58_new_schedule_without_a_schedule_is_refused(db: Database, now: datetime) -> None:
    flow = await make_flow(db, now)
    created = await make_deployment(db, flow.id, now, schedules=[every(60)])

    with pytest.raises(ValidationFailed):
        await update(db, now, id=created.id, schedules=[{"slug": "new", "active": True}])

    assert [s.id for s in (await reread(db, created.id, now)).schedules] == [
        s.id for s in created.schedules
    ]


async def test_r58_unmatched_slug_without_a_schedule_is_refused(
    db: Database, now: datetime
) -> None:
    flow = await make_flow(db, now)
    created = await make_deployment(db, flow.id, now, schedules=[every(60, slug="a")])

    with pytest.raises(ValidationFailed):
        await update(db, now, id=created.id, schedules=[{"slug": "a"}, {"slug": "z"}])

    assert await schedule_rows(db, created.id) == 1


async def test_r58_duplicate_slugs_in_an_update_are_a_conflict(db: Database, now: datetime) -> None:
    flow = await make_flow(db, now)
    created = await make_deployment(db, flow.id, now, schedules=[every(60, slug="a")])

    with pytest.raises(Conflict):
        await update(db, now, id=created.id, schedules=[every(60, slug="x"), every(120, slug="x")])

    assert [s.id for s in (await reread(db, created.id, now)).schedules] == [
        s.id for s in created.schedules
    ]
