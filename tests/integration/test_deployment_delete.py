"""`deployment.delete` against PostgreSQL (R60), and the run kinds the deletion rules are
checked against."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import uuid4

import pytest

from deployq.errors import NotFound
from deployq.handlers.deployments import delete_deployment
from deployq.messages.deployments import DeleteDeployment
from deployq.storage.database import Database
from tests.integration.builders import (
    ALL_DELETABLE,
    AUTO_ANY_TIME,
    AUTO_FUTURE_ONLY,
    FUTURE_AUTO,
    NEVER_DELETED,
    OTHER_DEPLOYMENT,
    existing_runs,
    insert_run,
    make_deployment,
    make_flow,
    runs_of,
    schedule_rows,
    seed_runs,
    surviving_kinds,
    write,
)
from tests.integration.deployments_support import every, reread, without_outcome
from tests.support import unique


async def test_r60_delete_removes_every_deletable_scheduled_run(
    db: Database, now: datetime
) -> None:
    flow = await make_flow(db, now)
    target = await make_deployment(db, flow.id, now, schedules=[every(3600)])
    other = await make_deployment(db, flow.id, now)
    runs = await seed_runs(
        db, flow_id=flow.id, deployment_id=target.id, other_deployment_id=other.id, now=now
    )

    result = await write(db, delete_deployment, DeleteDeployment(id=target.id), now=now)

    assert result.deleted is True
    survivors = await surviving_kinds(db, runs)
    assert survivors == set(runs) - ALL_DELETABLE
    assert survivors == NEVER_DELETED | {OTHER_DEPLOYMENT}
    left = await existing_runs(db, list(runs.values()))
    assert {left[runs[kind]] for kind in NEVER_DELETED} == {target.id}  # keep deployment_id
    assert left[runs[OTHER_DEPLOYMENT]] == other.id


async def test_r60_delete_removes_the_deployment_and_its_schedules(
    db: Database, now: datetime
) -> None:
    flow = await make_flow(db, now)
    target = await make_deployment(
        db, flow.id, now, schedules=[every(60, slug="a"), every(90, slug="b")]
    )
    sibling = await make_deployment(db, flow.id, now, schedules=[every(60, slug="a")])

    await write(db, delete_deployment, DeleteDeployment(id=target.id), now=now)

    with pytest.raises(NotFound):
        await reread(db, target.id, now)
    assert await schedule_rows(db, target.id) == 0
    assert (await reread(db, sibling.id, now)).model_dump() == without_outcome(sibling)


async def test_r60_deleted_name_can_be_created_again(db: Database, now: datetime) -> None:
    flow = await make_flow(db, now)
    name = unique("dep")
    first = await make_deployment(db, flow.id, now, name=name)
    await write(db, delete_deployment, DeleteDeployment(id=first.id), now=now)

    again = await make_deployment(db, flow.id, now, name=name)

    assert again.outcome == "created"
    assert again.id != first.id


async def test_r60_unknown_id_is_not_found(db: Database, now: datetime) -> None:
    flow = await make_flow(db, now)
    missing = uuid4()
    orphan = await insert_run(
        db, flow_id=flow.id, deployment_id=missing, start=now + timedelta(hours=1)
    )

    with pytest.raises(NotFound, match=str(missing)):
        await write(db, delete_deployment, DeleteDeployment(id=missing), now=now)

    assert orphan in await existing_runs(db, [orphan])


async def test_r60_deleting_twice_is_not_found_the_second_time(db: Database, now: datetime) -> None:
    flow = await make_flow(db, now)
    target = await make_deployment(db, flow.id, now)
    await write(db, delete_deployment, DeleteDeployment(id=target.id), now=now)

    with pytest.raises(NotFound):
        await write(db, delete_deployment, DeleteDeployment(id=target.id), now=now)


async def test_seeded_runs_cover_every_kind(db: Database, now: datetime) -> None:
    """Guards the fixtures above: the kinds split into deleted-somewhere and never-deleted."""
    flow = await make_flow(db, now)
    target = await make_deployment(db, flow.id, now)
    other = await make_deployment(db, flow.id, now)

    runs = await seed_runs(
        db, flow_id=flow.id, deployment_id=target.id, other_deployment_id=other.id, now=now
    )

    assert set(runs) == ALL_DELETABLE | NEVER_DELETED | {OTHER_DEPLOYMENT}
    assert FUTURE_AUTO in AUTO_FUTURE_ONLY
    assert AUTO_FUTURE_ONLY < AUTO_ANY_TIME < ALL_DELETABLE
    assert not ALL_DELETABLE & NEVER_DELETED
    assert await runs_of(db, target.id) == {runs[k] for k in ALL_DELETABLE | NEVER_DELETED}
