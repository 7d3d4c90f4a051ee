"""What every `deployment.update` drops (R57, R59) and how a `schedules` list in it replaces the
stored schedules (R58)."""

from __future__ import annotations

from datetime import datetime, timedelta

from deployq.storage.database import Database
from tests.integration.builders import (
    AUTO_FUTURE_ONLY,
    make_deployment,
    make_flow,
    schedule_rows,
    seed_runs,
    surviving_kinds,
)
from tests.integration.deployments_support import (
    by_slug,
    every,
    interval_of,
    stored_fields,
    update,
)

# --- R57: every update drops future auto runs -----------------------------------------------


async def test_r57_empty_update_deletes_future_auto_runs(db: Database, now: datetime) -> None:
    flow = await make_flow(db, now)
    target = await make_deployment(db, flow.id, now, schedules=[every(3600)])
    other = await make_deployment(db, flow.id, now)
    runs = await seed_runs(
        db, flow_id=flow.id, deployment_id=target.id, other_deployment_id=other.id, now=now
    )

    updated = await update(db, now, id=target.id)

    assert await surviving_kinds(db, runs) == set(runs) - AUTO_FUTURE_ONLY
    assert updated.updated == now
    assert stored_fields(updated) == stored_fields(target)


async def test_r57_update_touching_only_schedules_deletes_future_auto_runs(
    db: Database, now: datetime
) -> None:
    flow = await make_flow(db, now)
    target = await make_deployment(db, flow.id, now, schedules=[every(3600)])
    other = await make_deployment(db, flow.id, now)
    runs = await seed_runs(
        db, flow_id=flow.id, deployment_id=target.id, other_deployment_id=other.id, now=now
    )

    await update(db, now, id=target.id, schedules=[every(60)])

    assert await surviving_kinds(db, runs) == set(runs) - AUTO_FUTURE_ONLY


async def test_r59_update_paused_true_removes_future_auto_runs(db: Database, now: datetime) -> None:
    flow = await make_flow(db, now)
    target = await make_deployment(db, flow.id, now, schedules=[every(3600)])
    other = await make_deployment(db, flow.id, now)
    runs = await seed_runs(
        db, flow_id=flow.id, deployment_id=target.id, other_deployment_id=other.id, now=now
    )

    updated = await update(db, now, id=target.id, paused=True)

    assert updated.paused is True
    assert await surviving_kinds(db, runs) == set(runs) - AUTO_FUTURE_ONLY


# --- R58: schedules inside an update --------------------------------------------------------


async def test_r58_schedules_absent_leaves_them_untouched(db: Database, now: datetime) -> None:
    flow = await make_flow(db, now)
    created = await make_deployment(db, flow.id, now, schedules=[every(60, slug="a"), every(120)])

    updated = await update(db, now + timedelta(minutes=1), id=created.id, description="x")

    assert sorted(s.model_dump_json() for s in updated.schedules) == sorted(
        s.model_dump_json() for s in created.schedules
    )


async def test_r58_explicit_null_schedules_counts_as_absent(db: Database, now: datetime) -> None:
    flow = await make_flow(db, now)
    created = await make_deployment(db, flow.id, now, schedules=[every(60, slug="a")])

    updated = await update(db, now, id=created.id, schedules=None)

    assert [s.id for s in updated.schedules] == [s.id for s in created.schedules]


async def test_r58_empty_list_removes_every_schedule(db: Database, now: datetime) -> None:
    flow = await make_flow(db, now)
    created = await make_deployment(
        db, flow.id, now, schedules=[every(60, slug="a"), every(120, slug="b")]
    )

    updated = await update(db, now, id=created.id, schedules=[])

    assert updated.schedules == []
    assert await schedule_rows(db, created.id) == 0


async def test_r58_list_replaces_all_when_stored_schedules_have_no_slug(
    db: Database, now: datetime
) -> None:
    flow = await make_flow(db, now)
    created = await make_deployment(db, flow.id, now, schedules=[every(60), every(120)])
    later = now + timedelta(minutes=1)

    updated = await update(
        db, later, id=created.id, schedules=[every(300, parameters={"p": 2}), every(600, slug="s")]
    )

    assert not {s.id for s in created.schedules} & {s.id for s in updated.schedules}
    assert sorted(interval_of(s) for s in updated.schedules) == [300, 600]
    new = by_slug(updated.schedules)
    assert new[None].parameters == {"p": 2}
    assert all(s.active for s in updated.schedules)  # created without `active`
    assert {s.created for s in updated.schedules} == {later}
    assert await schedule_rows(db, created.id) == 2


async def test_r58_list_replaces_all_when_some_stored_schedule_lacks_a_slug(
    db: Database, now: datetime
) -> None:
    flow = await make_flow(db, now)
    created = await make_deployment(db, flow.id, now, schedules=[every(60, slug="a"), every(120)])

    updated = await update(db, now, id=created.id, schedules=[every(300, slug="a")])

    [schedule] = updated.schedules
    assert schedule.slug == "a"
    assert interval_of(schedule) == 300
    assert schedule.id not in {s.id for s in created.schedules}
