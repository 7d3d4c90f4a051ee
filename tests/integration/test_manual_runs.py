"""`flow_run.create` against PostgreSQL (CONTRACT §8): what a manual run holds, the parameter
schema, the idempotency key, and which changes of the deployment leave it alone."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from uuid import UUID, uuid4

import pytest

from deployq.errors import Conflict, NotFound, ValidationFailed
from deployq.handlers.deployments import delete_deployment, pause_deployment
from deployq.handlers.runs import read_flow_run
from deployq.handlers.schedules import delete_deployment_schedules
from deployq.messages.deployments import DeleteDeployment, PauseDeployment
from deployq.messages.runs import ReadFlowRun
from deployq.messages.schedules import DeleteAllSchedules
from deployq.storage.database import Database
from tests.integration.builders import existing_runs, make_deployment, make_flow, read, write
from tests.integration.controls_support import created, manual_run
from tests.integration.deployments_support import update
from tests.integration.pools import insert_work_pool, set_work_queue
from tests.integration.runs_support import HOUR, NOW, SOON, interval, schedule

SCHEMA = {
    "type": "object",
    "properties": {
        "day": {"type": "string"},
        "limit": {"type": "integer", "maximum": 100},
        "options": {"type": "object", "properties": {"deep": {"type": "boolean"}}},
    },
    "required": ["day"],
}


async def test_run_fields_as_read_back(db: Database) -> None:
    flow = await make_flow(db, NOW)
    dep = await make_deployment(
        db,
        flow.id,
        NOW,
        version="7",
        tags=["nightly", "prod"],
        labels={"team": "data"},
        parameters={"a": 1, "nested": {"x": 1, "y": 2}},
        work_queue_name="fast",
        infrastructure_document_id=str(uuid4()),
    )
    pool = await insert_work_pool(db, queues=("fast",))
    await set_work_queue(db, dep.id, pool.queues["fast"])
    at = NOW + HOUR

    run = await manual_run(
        db,
        NOW,
        deployment_id=dep.id,
        parameters={"nested": {"x": 9}, "b": 2},
        scheduled_time=at.isoformat(),
        tags=["manual", "prod"],
        name="rerun",
    )

    assert run == await read(db, read_flow_run, ReadFlowRun(id=run.id), now=NOW)
    assert run.parameters == {"a": 1, "nested": {"x": 9}, "b": 2}  # shallow: given keys win
    assert run.tags == ["nightly", "prod", "manual"]
    assert run.labels == {
        "team": "data",
        "deployq.flow.id": str(flow.id),
        "deployq.deployment.id": str(dep.id),
    }
    assert (run.flow_id, run.deployment_id, run.deployment_version) == (flow.id, dep.id, "7")
    assert (run.work_queue_name, run.work_queue_id) == ("fast", pool.queues["fast"])
    assert run.infrastructure_document_id == dep.infrastructure_document_id
    assert (run.name, run.auto_scheduled, run.created_by, run.idempotency_key) == (
        "rerun",
        False,
        None,
        None,
    )
    assert (run.state_type, run.state_name, run.run_count) == ("SCHEDULED", "Scheduled", 0)
    assert run.expected_start_time == run.next_scheduled_start_time == at
    assert run.state is not None
    assert run.state.state_details.scheduled_time == at
    assert await created(db, dep.id) == [str(run.id)]


async def test_defaults_now_and_a_two_word_name(db: Database) -> None:
    flow = await make_flow(db, NOW)
    dep = await make_deployment(db, flow.id, NOW)

    run = await manual_run(db, NOW, deployment_id=dep.id)

    assert run.expected_start_time == NOW
    assert run.name.count("-") == 1
    assert run.parameters == {}


async def test_schema_refusal_points_into_parameters_and_creates_nothing(db: Database) -> None:
    flow = await make_flow(db, NOW)
    dep = await make_deployment(
        db, flow.id, NOW, parameters={"day": "mon"}, parameter_openapi_schema=SCHEMA
    )

    with pytest.raises(ValidationFailed) as refused:
        await manual_run(
            db, NOW, deployment_id=dep.id, parameters={"limit": 500, "options": {"deep": "y"}}
        )

    locs = [d["loc"] for d in refused.value.details]
    assert locs == [["parameters", "limit"], ["parameters", "options", "deep"]]
    assert all(d["type"].startswith("json_schema.") for d in refused.value.details)
    assert await created(db, dep.id) == []


async def test_schema_checks_the_merged_parameters(db: Database) -> None:
    flow = await make_flow(db, NOW)
    dep = await make_deployment(db, flow.id, NOW, parameter_openapi_schema=SCHEMA)

    with pytest.raises(ValidationFailed) as refused:
        await manual_run(db, NOW, deployment_id=dep.id, parameters={"limit": 5})
    accepted = await manual_run(db, NOW, deployment_id=dep.id, parameters={"day": "tue"})

    assert refused.value.details[0]["loc"] == ["parameters"]  # `day` is required
    assert accepted.parameters == {"day": "tue"}


@pytest.mark.parametrize(
    "fields",
    [
        {"parameter_openapi_schema": SCHEMA, "enforce_parameter_schema": False},
        {"parameter_openapi_schema": None, "enforce_parameter_schema": True},
    ],
)
async def test_no_check_without_enforcement_or_schema(
    db: Database, fields: dict[str, object]
) -> None:
    flow = await make_flow(db, NOW)
    dep = await make_deployment(db, flow.id, NOW, **fields)

    run = await manual_run(db, NOW, deployment_id=dep.id, parameters={"limit": "many"})

    assert run.parameters == {"limit": "many"}


async def test_a_broken_schema_is_a_conflict(db: Database) -> None:
    flow = await make_flow(db, NOW)
    dep = await make_deployment(
        db, flow.id, NOW, parameter_openapi_schema={"type": "object", "minProperties": "x"}
    )

    with pytest.raises(Conflict, match="parameter_openapi_schema"):
        await manual_run(db, NOW, deployment_id=dep.id)


async def test_idempotency_key_returns_the_run_unchanged_and_announces_nothing(
    db: Database,
) -> None:
    flow = await make_flow(db, NOW)
    dep = await make_deployment(db, flow.id, NOW, parameters={"a": 1})
    other = await make_deployment(db, flow.id, NOW)
    first = await manual_run(db, NOW, deployment_id=dep.id, idempotency_key="k-1", name="one")

    again = await manual_run(
        db, NOW + HOUR, deployment_id=dep.id, idempotency_key="k-1", parameters={"a": 2}
    )
    # The key is unique per flow: another deployment of the same flow gets the same run.
    elsewhere = await manual_run(db, NOW, deployment_id=other.id, idempotency_key="k-1")

    assert again == first
    assert elsewhere == first
    assert await created(db, dep.id) == [str(first.id)]
    assert await created(db, other.id) == []


async def test_one_key_sent_at_once_makes_one_run(db: Database) -> None:
    flow = await make_flow(db, NOW)
    dep = await make_deployment(db, flow.id, NOW)

    found = await asyncio.gather(
        *(manual_run(db, NOW, deployment_id=dep.id, idempotency_key="burst") for _ in range(4))
    )

    assert {run.id for run in found} == {found[0].id}
    assert await created(db, dep.id) == [str(found[0].id)]


async def test_keys_are_per_flow(db: Database) -> None:
    one, two = await make_flow(db, NOW), await make_flow(db, NOW)
    dep_one = await make_deployment(db, one.id, NOW)
    dep_two = await make_deployment(db, two.id, NOW)

    a = await manual_run(db, NOW, deployment_id=dep_one.id, idempotency_key="same")
    b = await manual_run(db, NOW, deployment_id=dep_two.id, idempotency_key="same")

    assert a.id != b.id


async def test_a_paused_deployment_accepts_manual_runs(db: Database) -> None:
    flow = await make_flow(db, NOW)
    dep = await make_deployment(db, flow.id, NOW)
    await write(db, pause_deployment, PauseDeployment(id=dep.id), now=NOW)

    run = await manual_run(db, NOW, deployment_id=dep.id)

    assert run.deployment_id == dep.id


async def test_schedule_changes_never_delete_manual_runs(db: Database) -> None:
    flow = await make_flow(db, NOW)
    dep = await make_deployment(db, flow.id, NOW, schedules=[interval(3600, SOON)])
    auto = await schedule(db, dep.id, NOW)
    manual: list[UUID] = [
        (await manual_run(db, NOW, deployment_id=dep.id, scheduled_time=at.isoformat())).id
        for at in (NOW - HOUR, NOW + HOUR)
    ]

    await update(db, NOW, id=dep.id, description="changed")  # R57
    await update(db, NOW, id=dep.id, schedules=[interval(60, SOON)])  # R58
    await write(db, delete_deployment_schedules, DeleteAllSchedules(deployment_id=dep.id), now=NOW)
    await write(db, pause_deployment, PauseDeployment(id=dep.id), now=NOW)  # R59
    await make_deployment(db, flow.id, NOW, name=dep.name)  # R51's upsert in place

    assert set(await existing_runs(db, [*auto, *manual])) == set(manual)


async def test_deployment_delete_deletes_manual_runs(db: Database) -> None:
    flow = await make_flow(db, NOW)
    dep = await make_deployment(db, flow.id, NOW)
    run = await manual_run(db, NOW, deployment_id=dep.id, scheduled_time=(NOW + HOUR).isoformat())

    await write(db, delete_deployment, DeleteDeployment(id=dep.id), now=NOW)

    assert await existing_runs(db, [run.id]) == {}


async def test_unknown_deployment_is_not_found(db: Database) -> None:
    with pytest.raises(NotFound):
        await manual_run(db, NOW, deployment_id=uuid4(), scheduled_time=(NOW + timedelta(1)))
