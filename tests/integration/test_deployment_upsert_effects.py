"""What an upsert does after the row (R52): it replaces the schedules and deletes the future
auto-scheduled runs, or, refused, changes nothing."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from deployq.errors import Conflict
from deployq.messages.schedules import ResolvedInterval
from deployq.storage.database import Database
from tests.integration.builders import (
    AUTO_FUTURE_ONLY,
    deployments_named,
    existing_runs,
    insert_run,
    make_deployment,
    make_flow,
    runs_of,
    schedule_rows,
    seed_runs,
    surviving_kinds,
)
from tests.integration.deployments_support import by_slug, every, interval_of, reread
from tests.support import unique


async def test_r52_upsert_deletes_only_future_auto_deletable_runs(
    db: Database, now: datetime
) -> None:
    flow = await make_flow(db, now)
    name = unique("dep")
    target = await make_deployment(db, flow.id, now, name=name, schedules=[every(3600)])
    other = await make_deployment(db, flow.id, now)
    runs = await seed_runs(
        db, flow_id=flow.id, deployment_id=target.id, other_deployment_id=other.id, now=now
    )

    await make_deployment(db, flow.id, now, name=name, schedules=[every(3600)])

    assert await surviving_kinds(db, runs) == set(runs) - AUTO_FUTURE_ONLY


async def test_r52_inserting_a_deployment_touches_no_runs(db: Database, now: datetime) -> None:
    flow = await make_flow(db, now)
    other = await make_deployment(db, flow.id, now)
    run = await insert_run(
        db, flow_id=flow.id, deployment_id=other.id, start=now + timedelta(hours=1)
    )

    await make_deployment(db, flow.id, now, schedules=[every(60)])

    assert run in await existing_runs(db, [run])


async def test_r52_upsert_without_schedules_removes_them_all(db: Database, now: datetime) -> None:
    flow = await make_flow(db, now)
    name = unique("dep")
    first = await make_deployment(
        db, flow.id, now, name=name, schedules=[every(60, slug="a"), every(120)]
    )
    assert await schedule_rows(db, first.id) == 2

    second = await make_deployment(db, flow.id, now, name=name, description="no schedules")

    assert second.schedules == []
    assert (await reread(db, first.id, now)).schedules == []
    assert await schedule_rows(db, first.id) == 0


async def test_r52_upsert_replaces_schedules_with_the_requested_ones(
    db: Database, now: datetime
) -> None:
    flow = await make_flow(db, now)
    name = unique("dep")
    first = await make_deployment(
        db, flow.id, now, name=name, schedules=[every(60, slug="a"), every(120, slug="b")]
    )
    later = now + timedelta(minutes=1)

    second = await make_deployment(
        db,
        flow.id,
        later,
        name=name,
        schedules=[
            every(300, slug="a", active=False, parameters={"p": 1}, max_scheduled_runs=7),
            every(900, slug="c"),
        ],
    )

    old_ids = {s.id for s in first.schedules}
    new = by_slug(second.schedules)
    assert set(new) == {"a", "c"}
    assert not old_ids & {s.id for s in second.schedules}  # deleted and created, not patched
    assert interval_of(new["a"]) == 300
    assert new["a"].active is False
    assert new["a"].parameters == {"p": 1}
    assert new["a"].max_scheduled_runs == 7
    assert new["c"].active is True
    assert new["c"].parameters == {}
    assert {s.created for s in second.schedules} == {later}
    stored = await reread(db, first.id, later)
    assert sorted(s.model_dump_json() for s in stored.schedules) == sorted(
        s.model_dump_json() for s in second.schedules
    )


async def test_r52_new_schedules_are_resolved_with_defaults(db: Database, now: datetime) -> None:
    flow = await make_flow(db, now)

    created = await make_deployment(db, flow.id, now, schedules=[every(3600)])

    [schedule] = created.schedules
    assert schedule.deployment_id == created.id
    assert schedule.active is True
    assert schedule.parameters == {}
    assert schedule.slug is None
    assert schedule.max_scheduled_runs is None
    assert schedule.schedule == ResolvedInterval(interval=3600, anchor_date=now, timezone="UTC")


async def test_r52_upsert_creates_no_runs(db: Database, now: datetime) -> None:
    flow = await make_flow(db, now)
    name = unique("dep")
    first = await make_deployment(db, flow.id, now, name=name, schedules=[every(60)])

    await make_deployment(db, flow.id, now, name=name, schedules=[every(60), every(30)])

    assert await runs_of(db, first.id) == set()


async def test_r52_duplicate_slugs_are_a_conflict_and_nothing_is_written(
    db: Database, now: datetime
) -> None:
    flow = await make_flow(db, now)
    name = unique("dep")

    with pytest.raises(Conflict, match="'a'"):
        await make_deployment(
            db, flow.id, now, name=name, schedules=[every(60, slug="a"), every(90, slug="a")]
        )

    assert await deployments_named(db, name) == 0


async def test_r52_failed_upsert_keeps_old_schedules_and_runs(db: Database, now: datetime) -> None:
    flow = await make_flow(db, now)
    name = unique("dep")
    first = await make_deployment(db, flow.id, now, name=name, schedules=[every(60, slug="s")])
    run = await insert_run(
        db, flow_id=flow.id, deployment_id=first.id, start=now + timedelta(hours=1)
    )

    with pytest.raises(Conflict):
        await make_deployment(
            db, flow.id, now, name=name, schedules=[every(1, slug="x"), every(2, slug="x")]
        )

    stored = await reread(db, first.id, now)
    assert [s.id for s in stored.schedules] == [s.id for s in first.schedules]
    assert run in await existing_runs(db, [run])
