"""`deployment.read` and `deployment.read_by_name` against PostgreSQL (R54)."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import uuid4

import pytest

from deployq.errors import NotFound
from deployq.handlers.deployments import read_deployment_by_name
from deployq.messages.deployments import ReadDeploymentByName
from deployq.storage.database import Database
from tests.integration.builders import make_deployment, make_flow, read
from tests.integration.deployments_support import (
    RICH_FIELDS,
    every,
    reread,
    update,
    without_outcome,
)
from tests.support import unique


async def test_r54_read_by_id(db: Database, now: datetime) -> None:
    flow = await make_flow(db, now)
    created = await make_deployment(db, flow.id, now, schedules=[every(60)], **RICH_FIELDS)

    stored = await reread(db, created.id, now)

    assert stored.model_dump() == without_outcome(created)


async def test_r54_read_unknown_id_is_not_found(db: Database, now: datetime) -> None:
    missing = uuid4()
    with pytest.raises(NotFound, match=str(missing)):
        await reread(db, missing, now)


async def test_r54_read_by_name_takes_the_flow_into_account(db: Database, now: datetime) -> None:
    one, two, three = [await make_flow(db, now) for _ in range(3)]
    name = unique("dep")
    in_one = await make_deployment(db, one.id, now, name=name, description="one")
    in_two = await make_deployment(db, two.id, now, name=name, description="two")

    def by_name(flow_name: str) -> ReadDeploymentByName:
        return ReadDeploymentByName(flow_name=flow_name, deployment_name=name)

    found_one = await read(db, read_deployment_by_name, by_name(one.name), now=now)
    found_two = await read(db, read_deployment_by_name, by_name(two.name), now=now)
    assert (found_one.id, found_one.description) == (in_one.id, "one")
    assert (found_two.id, found_two.description) == (in_two.id, "two")
    with pytest.raises(NotFound):
        await read(db, read_deployment_by_name, by_name(three.name), now=now)


async def test_r54_read_by_name_unknown_names_are_not_found(db: Database, now: datetime) -> None:
    flow = await make_flow(db, now)
    created = await make_deployment(db, flow.id, now)

    with pytest.raises(NotFound):
        await read(
            db,
            read_deployment_by_name,
            ReadDeploymentByName(flow_name=flow.name, deployment_name=unique("nope")),
            now=now,
        )
    with pytest.raises(NotFound):
        await read(
            db,
            read_deployment_by_name,
            ReadDeploymentByName(flow_name=unique("nope"), deployment_name=created.name),
            now=now,
        )


async def test_r54_read_by_name_returns_the_schedules(db: Database, now: datetime) -> None:
    flow = await make_flow(db, now)
    created = await make_deployment(db, flow.id, now, schedules=[every(60, slug="s")])

    found = await read(
        db,
        read_deployment_by_name,
        ReadDeploymentByName(flow_name=flow.name, deployment_name=created.name),
        now=now,
    )

    assert found.model_dump() == without_outcome(created)


async def test_r54_schedules_come_back_most_recently_updated_first(
    db: Database, now: datetime
) -> None:
    flow = await make_flow(db, now)
    created = await make_deployment(
        db, flow.id, now, schedules=[every(60, slug="a"), every(60, slug="b"), every(60, slug="c")]
    )
    ids = {s.slug: s.id for s in created.schedules}

    await update(db, now + timedelta(minutes=1), id=created.id, schedules=[{"slug": "b"}])
    await update(db, now + timedelta(minutes=2), id=created.id, schedules=[{"slug": "a"}])

    stored = await reread(db, created.id, now)
    assert [s.id for s in stored.schedules] == [ids["a"], ids["b"], ids["c"]]
    assert [s.updated for s in stored.schedules] == [
        now + timedelta(minutes=2),
        now + timedelta(minutes=1),
        now,
    ]
