"""Deployment commands against PostgreSQL: R50–R60, one test per rule or sub-rule."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
import sqlalchemy as sa
from pydantic import ValidationError

from deployq.errors import Conflict, NotFound, ValidationFailed
from deployq.handlers.deployments import (
    create_deployment,
    delete_deployment,
    pause_deployment,
    read_deployment,
    read_deployment_by_name,
    resume_deployment,
    update_deployment,
)
from deployq.messages.deployments import (
    CreateDeployment,
    DeleteDeployment,
    Deployment,
    PauseDeployment,
    ReadDeployment,
    ReadDeploymentByName,
    ResumeDeployment,
    UpdateDeployment,
)
from deployq.messages.schedules import DeploymentSchedule, ResolvedInterval
from deployq.messages.work_pools import DEFAULT_POOL
from deployq.storage.database import Database
from deployq.storage.tables import deployment_schedule
from tests.integration.builders import (
    ALL_DELETABLE,
    AUTO_ANY_TIME,
    AUTO_FUTURE_ONLY,
    FUTURE_AUTO,
    NEVER_DELETED,
    OTHER_DEPLOYMENT,
    deployments_named,
    existing_runs,
    insert_run,
    make_deployment,
    make_flow,
    read,
    runs_of,
    seed_runs,
    surviving_kinds,
    write,
)
from tests.integration.pools import queue_count
from tests.support import unique

ALICE = {"id": str(uuid4()), "type": "USER", "display_value": "alice"}
BOB = {"id": str(uuid4()), "type": "USER", "display_value": "bob"}


def every(seconds: int, *, slug: str | None = None, **fields: Any) -> dict[str, Any]:
    """A schedule as `schedules` carries it on the wire."""
    return {"schedule": {"interval": seconds}, "slug": slug, **fields}


async def reread(db: Database, deployment_id: UUID, now: datetime) -> Deployment:
    return await read(db, read_deployment, ReadDeployment(id=deployment_id), now=now)


async def update(db: Database, now: datetime, **body: Any) -> Deployment:
    return await write(db, update_deployment, UpdateDeployment.model_validate(body), now=now)


async def schedule_rows(db: Database, deployment_id: UUID) -> int:
    async with db.reading() as uow:
        statement = (
            sa.select(sa.func.count())
            .select_from(deployment_schedule)
            .where(deployment_schedule.c.deployment_id == deployment_id)
        )
        return int((await uow.connection.execute(statement)).scalar_one())


def by_slug(schedules: list[DeploymentSchedule]) -> dict[str | None, DeploymentSchedule]:
    return {s.slug: s for s in schedules}


def interval_of(schedule: DeploymentSchedule) -> float:
    assert isinstance(schedule.schedule, ResolvedInterval)
    return schedule.schedule.interval


def without_outcome(result: Deployment) -> dict[str, Any]:
    return result.model_dump(exclude={"outcome"})


# Fields a deployment.create may carry, with non-default values, for "kept / cleared" checks.
RICH_FIELDS: dict[str, Any] = {
    "version": "1.0",
    "description": "the first one",
    "paused": True,
    "tags": ["a", "b"],
    "labels": {"team": "data", "tier": 2},
    "parameters": {"x": 1, "nested": {"y": [1, 2]}},
    "parameter_openapi_schema": {"type": "object"},
    "enforce_parameter_schema": False,
    "job_variables": {"image": "python:3.12"},
    "pull_steps": [{"git_clone": {"repository": "r"}}],
    "path": "/srv/flows",
    "entrypoint": "flows.py:main",
    "work_queue_name": "queue-a",
    "storage_document_id": str(uuid4()),
    "infrastructure_document_id": str(uuid4()),
    "concurrency_limit": 3,
    "created_by": ALICE,
    "updated_by": ALICE,
}
NULLABLE = (
    "version",
    "description",
    "parameter_openapi_schema",
    "pull_steps",
    "path",
    "entrypoint",
    "work_queue_name",
    "storage_document_id",
    "infrastructure_document_id",
    "concurrency_limit",
    "updated_by",
)
NOT_NULLABLE = (
    "paused",
    "tags",
    "labels",
    "parameters",
    "enforce_parameter_schema",
    "job_variables",
)


def stored_fields(result: Deployment) -> dict[str, Any]:
    """The RICH_FIELDS of a deployment, in their wire form."""
    dumped = result.model_dump(mode="json", include=set(RICH_FIELDS))
    assert isinstance(dumped, dict)
    return dumped


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


# --- R52: what an upsert does after the row -------------------------------------------------


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


# --- R54: reads -----------------------------------------------------------------------------


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


# --- R56: partial update --------------------------------------------------------------------


async def test_r56_only_fields_present_change(db: Database, now: datetime) -> None:
    flow = await make_flow(db, now)
    created = await make_deployment(db, flow.id, now, schedules=[every(60)], **RICH_FIELDS)
    later = now + timedelta(minutes=5)

    updated = await update(db, later, id=created.id, description="changed")

    assert stored_fields(updated) == {**RICH_FIELDS, "description": "changed"}
    assert updated.created == now
    assert updated.updated == later
    assert updated.status == created.status
    assert updated.name == created.name
    assert updated.flow_id == flow.id
    assert [s.id for s in updated.schedules] == [s.id for s in created.schedules]
    assert updated == await reread(db, created.id, later)


async def test_r56_each_field_can_be_changed(db: Database, now: datetime) -> None:
    flow = await make_flow(db, now)
    created = await make_deployment(db, flow.id, now, **RICH_FIELDS)
    changes = {
        "version": "2",
        "description": "d2",
        "paused": False,
        "tags": ["z"],
        "labels": {"k": "v"},
        "parameters": {},
        "parameter_openapi_schema": {"type": "string"},
        "enforce_parameter_schema": True,
        "job_variables": {"cpu": 2},
        "pull_steps": [],
        "path": "/other",
        "entrypoint": "other.py:run",
        "work_queue_name": "queue-b",
        "storage_document_id": str(uuid4()),
        "infrastructure_document_id": str(uuid4()),
        "concurrency_limit": 9,
        "updated_by": BOB,
    }

    updated = await update(db, now, id=created.id, **changes)

    expected = {**changes, "created_by": ALICE}
    assert stored_fields(updated) == expected
    assert stored_fields(await reread(db, created.id, now)) == expected


async def test_r56_null_clears_nullable_fields(db: Database, now: datetime) -> None:
    flow = await make_flow(db, now)
    created = await make_deployment(db, flow.id, now, **RICH_FIELDS)

    updated = await update(db, now, id=created.id, **dict.fromkeys(NULLABLE))

    stored = stored_fields(await reread(db, created.id, now))
    assert stored == stored_fields(updated)
    assert stored == {**RICH_FIELDS, **dict.fromkeys(NULLABLE)}


@pytest.mark.parametrize("field", NOT_NULLABLE)
def test_r56_null_is_refused_for_non_nullable_fields(field: str) -> None:
    with pytest.raises(ValidationError) as raised:
        UpdateDeployment.model_validate({"id": str(uuid4()), field: None})
    assert {error["loc"][0] for error in raised.value.errors()} == {field}


@pytest.mark.parametrize("field", ["name", "flow_id", "created_by", "status", "created"])
def test_r56_fields_that_update_cannot_change_are_refused(field: str) -> None:
    with pytest.raises(ValidationError):
        UpdateDeployment.model_validate({"id": str(uuid4()), field: "x"})


async def test_r56_unknown_id_is_not_found_and_nothing_changes(db: Database, now: datetime) -> None:
    flow = await make_flow(db, now)
    bystander = await make_deployment(db, flow.id, now, description="same")
    missing = uuid4()
    orphan = await insert_run(
        db, flow_id=flow.id, deployment_id=missing, start=now + timedelta(hours=1)
    )

    queue = unique("queue")

    with pytest.raises(NotFound, match=str(missing)):
        await update(db, now + timedelta(minutes=1), id=missing, description="changed")
    with pytest.raises(NotFound, match=str(missing)):
        await update(db, now, id=missing, work_queue_name=queue)

    assert orphan in await existing_runs(db, [orphan])
    assert await queue_count(db, DEFAULT_POOL, queue) == 0
    assert (await reread(db, bystander.id, now)).model_dump() == without_outcome(bystander)


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


# --- R59: pause and resume ------------------------------------------------------------------


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


# --- R60: delete ----------------------------------------------------------------------------


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
