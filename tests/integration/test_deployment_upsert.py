"""`deployment.create` of a name its flow already has (R51): the row is updated in place, keeping
its id, its creation and every field the command leaves out."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from uuid import uuid4

import pytest

from deployq.errors import NotFound
from deployq.handlers.deployments import read_deployment_by_name
from deployq.messages.deployments import ReadDeploymentByName
from deployq.storage.database import Database
from tests.integration.builders import deployments_named, make_deployment, make_flow, read
from tests.integration.deployments_support import (
    ALICE,
    BOB,
    RICH_FIELDS,
    reread,
    stored_fields,
    without_outcome,
)
from tests.support import unique


async def test_r51_upsert_keeps_id_created_and_created_by(db: Database, now: datetime) -> None:
    flow = await make_flow(db, now)
    name = unique("dep")
    first = await make_deployment(db, flow.id, now, name=name, created_by=ALICE)
    later = now + timedelta(minutes=3)

    second = await make_deployment(
        db, flow.id, later, name=name, created_by=BOB, description="second"
    )

    assert second.outcome == "updated"
    assert second.id == first.id
    assert second.created == now
    assert second.updated == later
    assert second.model_dump(mode="json")["created_by"] == ALICE
    assert second.description == "second"
    assert without_outcome(second) == (await reread(db, first.id, later)).model_dump()


async def test_r51_upsert_keeps_every_field_left_out(db: Database, now: datetime) -> None:
    flow = await make_flow(db, now)
    name = unique("dep")
    first = await make_deployment(db, flow.id, now, name=name, **RICH_FIELDS)
    later = now + timedelta(minutes=1)

    second = await make_deployment(db, flow.id, later, name=name)

    assert second.outcome == "updated"
    assert second.id == first.id
    assert stored_fields(second) == RICH_FIELDS
    stored = await reread(db, first.id, later)
    assert stored_fields(stored) == RICH_FIELDS
    assert stored.status == first.status
    assert stored.updated == later


async def test_r51_upsert_overwrites_the_fields_it_carries(db: Database, now: datetime) -> None:
    flow = await make_flow(db, now)
    name = unique("dep")
    await make_deployment(db, flow.id, now, name=name, **RICH_FIELDS)

    second = await make_deployment(
        db, flow.id, now, name=name, description=None, tags=[], version="2.0", paused=False
    )

    expected = {**RICH_FIELDS, "description": None, "tags": [], "version": "2.0", "paused": False}
    assert stored_fields(second) == expected
    assert stored_fields(await reread(db, second.id, now)) == expected


async def test_r51_upsert_overwrites_updated_by_when_given(db: Database, now: datetime) -> None:
    flow = await make_flow(db, now)
    name = unique("dep")
    await make_deployment(db, flow.id, now, name=name, created_by=ALICE, updated_by=ALICE)

    second = await make_deployment(db, flow.id, now, name=name, updated_by=BOB)

    dumped = (await reread(db, second.id, now)).model_dump(mode="json")
    assert dumped["updated_by"] == BOB
    assert dumped["created_by"] == ALICE


async def test_r51_upsert_ignores_a_supplied_id(db: Database, now: datetime) -> None:
    flow = await make_flow(db, now)
    name = unique("dep")
    first = await make_deployment(db, flow.id, now, name=name)
    other_id = uuid4()

    second = await make_deployment(db, flow.id, now, name=name, id=other_id)

    assert second.outcome == "updated"
    assert second.id == first.id
    with pytest.raises(NotFound):
        await reread(db, other_id, now)


async def test_r51_concurrent_creates_of_one_name_make_one_deployment(
    db: Database, now: datetime
) -> None:
    flow = await make_flow(db, now)
    name = unique("dep")

    results = await asyncio.gather(
        *(make_deployment(db, flow.id, now, name=name, tags=[str(n)]) for n in range(4))
    )

    assert sorted(r.outcome for r in results) == ["created", "updated", "updated", "updated"]
    assert len({r.id for r in results}) == 1
    assert await deployments_named(db, name) == 1


async def test_r51_an_empty_name_is_a_name(db: Database, now: datetime) -> None:
    flow = await make_flow(db, now)

    first = await make_deployment(db, flow.id, now, name="")
    second = await make_deployment(db, flow.id, now, name="", description="again")

    assert (first.outcome, second.outcome) == ("created", "updated")
    found = await read(
        db,
        read_deployment_by_name,
        ReadDeploymentByName(flow_name=flow.name, deployment_name=""),
        now=now,
    )
    assert found.id == first.id
    assert found.description == "again"
