"""`deployment.create` of a new deployment against PostgreSQL: the flow it names must exist (R50)
and a name new in its flow inserts a row (R51)."""

from __future__ import annotations

from datetime import datetime
from uuid import uuid4

import pytest
from pydantic import ValidationError

from deployq.errors import NotFound
from deployq.handlers.deployments import create_deployment, read_deployment_by_name
from deployq.messages.deployments import CreateDeployment, ReadDeploymentByName, UpdateDeployment
from deployq.storage.database import Database
from tests.integration.builders import deployments_named, make_deployment, make_flow, read, write
from tests.integration.deployments_support import (
    RICH_FIELDS,
    every,
    reread,
    stored_fields,
    without_outcome,
)
from tests.support import unique

# --- R50: the flow must exist ---------------------------------------------------------------


async def test_r50_unknown_flow_id_is_not_found_and_writes_nothing(
    db: Database, now: datetime
) -> None:
    name = unique("dep")
    missing = uuid4()

    with pytest.raises(NotFound, match=str(missing)):
        await make_deployment(db, missing, now, name=name, schedules=[every(60)])

    assert await deployments_named(db, name) == 0


async def test_r50_unknown_flow_name_is_not_found_and_writes_nothing(
    db: Database, now: datetime
) -> None:
    name = unique("dep")
    command = CreateDeployment.model_validate({"name": name, "flow_name": unique("no-flow")})

    with pytest.raises(NotFound):
        await write(db, create_deployment, command, now=now)

    assert await deployments_named(db, name) == 0


async def test_r50_flow_name_is_resolved_to_its_id(db: Database, now: datetime) -> None:
    flow = await make_flow(db, now)
    other = await make_flow(db, now)
    name = unique("dep")
    command = CreateDeployment.model_validate({"name": name, "flow_name": flow.name})

    created = await write(db, create_deployment, command, now=now)

    assert created.flow_id == flow.id
    assert created.flow_id != other.id
    by_name = ReadDeploymentByName(flow_name=flow.name, deployment_name=name)
    assert (await read(db, read_deployment_by_name, by_name, now=now)).id == created.id


@pytest.mark.parametrize(
    "flow_keys", [{}, {"flow_id": str(uuid4()), "flow_name": "both"}], ids=["neither", "both"]
)
def test_r50_exactly_one_of_flow_id_and_flow_name(flow_keys: dict[str, str]) -> None:
    with pytest.raises(ValidationError):
        CreateDeployment.model_validate({"name": "d", **flow_keys})


@pytest.mark.parametrize("model", [CreateDeployment, UpdateDeployment])
def test_r50_concurrency_limit_with_global_limit_id_is_refused(
    model: type[CreateDeployment | UpdateDeployment],
) -> None:
    body = {
        "id": str(uuid4()),
        "name": "d",
        "flow_id": str(uuid4()),
        "concurrency_limit": 2,
        "global_concurrency_limit_id": str(uuid4()),
    }
    fields = set(model.model_fields)
    with pytest.raises(ValidationError, match="concurrency_limit"):
        model.model_validate({k: v for k, v in body.items() if k in fields})


# --- R51: insert, or update in place on (flow_id, name) -------------------------------------


async def test_r51_insert_when_the_name_is_new_in_the_flow(db: Database, now: datetime) -> None:
    flow = await make_flow(db, now)
    name = unique("dep")

    created = await make_deployment(db, flow.id, now, name=name, tags=["t"])

    assert created.outcome == "created"
    assert created.name == name
    assert created.flow_id == flow.id
    assert created.status == "NOT_READY"
    assert created.paused is False
    assert created.tags == ["t"]
    assert created.created == now
    assert created.updated == now
    assert without_outcome(created) == (await reread(db, created.id, now)).model_dump()


async def test_r51_insert_stores_every_field_given(db: Database, now: datetime) -> None:
    flow = await make_flow(db, now)

    created = await make_deployment(db, flow.id, now, **RICH_FIELDS)

    assert stored_fields(created) == RICH_FIELDS
    assert stored_fields(await reread(db, created.id, now)) == RICH_FIELDS


async def test_r51_insert_uses_a_supplied_id(db: Database, now: datetime) -> None:
    flow = await make_flow(db, now)
    wanted = uuid4()

    created = await make_deployment(db, flow.id, now, id=wanted)

    assert created.id == wanted
    assert (await reread(db, wanted, now)).flow_id == flow.id


async def test_r51_same_name_in_another_flow_is_another_deployment(
    db: Database, now: datetime
) -> None:
    name = unique("dep")
    one = await make_deployment(db, (await make_flow(db, now)).id, now, name=name)

    two = await make_deployment(db, (await make_flow(db, now)).id, now, name=name)

    assert two.outcome == "created"
    assert two.id != one.id
