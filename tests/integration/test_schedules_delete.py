"""`deployment.schedules.delete` (R64) and `delete_all` (R65) against PostgreSQL, and what every
schedule write does to its deployment: touch `updated` and announce it once."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from uuid import uuid4

import pytest

from deployq.errors import NotFound
from deployq.messages.deployments import DeploymentUpserted
from deployq.storage.database import Database
from tests.integration.builders import (
    AUTO_ANY_TIME,
    AUTO_FUTURE_ONLY,
    existing_runs,
    insert_run,
    surviving_kinds,
)
from tests.integration.runs_support import interval, schedule
from tests.integration.schedules_support import (
    CRON,
    HOUR,
    T0,
    T1,
    T2,
    add,
    change,
    check_announced,
    events_since,
    every,
    listed,
    new_deployment,
    outbox_mark,
    remove,
    remove_all,
    seeded,
    start_times,
    updated_at,
)

# --- R64: delete one ------------------------------------------------------------------------


async def test_r64_deletes_that_schedule_and_the_auto_runs_past_and_future(
    db: Database,
) -> None:
    dep, kinds = await seeded(db, T2)
    [kept] = await add(db, dep.id, {"schedule": CRON}, now=T1)

    assert await remove(db, dep.id, dep.schedules[0].id, now=T2) is True

    assert await listed(db, dep.id) == [kept]
    assert await surviving_kinds(db, kinds) == set(kinds) - AUTO_ANY_TIME


async def test_r64_runs_of_schedule_runs_go_past_and_future_manual_ones_stay(
    db: Database,
) -> None:
    dep = await new_deployment(db, schedules=[interval(3600, T0 - 6 * HOUR)])
    made = await schedule(db, dep.id, T2, start_time=(T2 - 3 * HOUR).isoformat(), min_runs=6)
    manual = await insert_run(
        db, flow_id=dep.flow_id, deployment_id=dep.id, start=T2 + HOUR, auto_scheduled=False
    )
    when = await start_times(db, made)
    mark = await outbox_mark(db)

    await remove(db, dep.id, dep.schedules[0].id, now=T2)

    assert set(await existing_runs(db, [*made, manual])) == {manual}
    check_announced(await events_since(db, mark, dep.id), dep.id, now=T2, deleted=when)


async def test_r64_a_schedule_of_another_deployment_is_not_found_and_nothing_changes(
    db: Database,
) -> None:
    dep, kinds = await seeded(db, T2)
    other = await new_deployment(db, schedules=[every(60)])
    mark = await outbox_mark(db)

    with pytest.raises(NotFound, match=str(other.schedules[0].id)):
        await remove(db, dep.id, other.schedules[0].id, now=T2)

    assert await listed(db, other.id) == other.schedules
    assert await listed(db, dep.id) == dep.schedules
    assert await updated_at(db, dep.id) == T0
    assert await updated_at(db, other.id) == T0
    assert await surviving_kinds(db, kinds) == set(kinds)
    assert await events_since(db, mark, dep.id) == []
    assert await events_since(db, mark, other.id) == []


async def test_r64_unknown_schedule_or_deployment_is_not_found(db: Database) -> None:
    dep = await new_deployment(db, schedules=[every(60)])

    with pytest.raises(NotFound):
        await remove(db, dep.id, uuid4())
    with pytest.raises(NotFound):
        await remove(db, uuid4(), dep.schedules[0].id)

    assert await listed(db, dep.id) == dep.schedules


# --- R65: delete all ------------------------------------------------------------------------


async def test_r65_returns_how_many_went_and_deletes_the_auto_runs(db: Database) -> None:
    dep, kinds = await seeded(db, T2)
    await add(db, dep.id, every(60), {"schedule": CRON}, now=T1)

    assert await remove_all(db, dep.id, now=T2) == 3

    assert await listed(db, dep.id) == []
    assert await surviving_kinds(db, kinds) == set(kinds) - AUTO_ANY_TIME


async def test_r65_a_deployment_without_schedules_gives_zero(db: Database) -> None:
    dep = await new_deployment(db)

    assert await remove_all(db, dep.id, now=T2) == 0
    assert await updated_at(db, dep.id) == T2


async def test_r65_unknown_deployment_is_not_found(db: Database) -> None:
    missing = uuid4()
    mark = await outbox_mark(db)

    with pytest.raises(NotFound, match=str(missing)):
        await remove_all(db, missing)

    assert await events_since(db, mark, missing) == []


# --- every write: touch the deployment, announce it once ------------------------------------

Write = Callable[[Database, DeploymentUpserted, datetime], Awaitable[object]]


async def _create(db: Database, dep: DeploymentUpserted, now: datetime) -> object:
    return await add(db, dep.id, every(60, slug="new"), now=now)


async def _update(db: Database, dep: DeploymentUpserted, now: datetime) -> object:
    return await change(db, dep.id, dep.schedules[0].id, active=False, now=now)


async def _delete(db: Database, dep: DeploymentUpserted, now: datetime) -> object:
    return await remove(db, dep.id, dep.schedules[0].id, now=now)


async def _delete_all(db: Database, dep: DeploymentUpserted, now: datetime) -> object:
    return await remove_all(db, dep.id, now=now)


@pytest.mark.parametrize(
    ("command", "deletes"),
    [
        pytest.param(_create, frozenset(), id="create"),
        pytest.param(_update, AUTO_FUTURE_ONLY, id="update"),
        pytest.param(_delete, AUTO_ANY_TIME, id="delete"),
        pytest.param(_delete_all, AUTO_ANY_TIME, id="delete_all"),
    ],
)
async def test_every_write_touches_the_deployment_and_announces_it_once(
    db: Database, command: Write, deletes: frozenset[str]
) -> None:
    dep, kinds = await seeded(db, T2)
    when = await start_times(db, list(kinds.values()))
    mark = await outbox_mark(db)

    await command(db, dep, T2)

    assert await updated_at(db, dep.id) == T2
    assert await surviving_kinds(db, kinds) == set(kinds) - deletes
    deleted = {kinds[kind]: when[kinds[kind]] for kind in deletes}
    announced = check_announced(
        await events_since(db, mark, dep.id), dep.id, now=T2, deleted=deleted
    )
    # The event carries the deployment as the command left it, schedules included.
    schedules = await listed(db, dep.id)
    assert [s["id"] for s in announced["schedules"]] == [str(s.id) for s in schedules]
    assert announced["schedules"] == [s.model_dump(mode="json") for s in schedules]
