"""The schedule commands against PostgreSQL (R61–R65), with fixed clocks.

Every write is checked three ways: the schedules as read back, the runs left behind (R7's kinds,
seeded by `seed_runs` or made by `deployment.schedule_runs`), and what went to the outbox: exactly
one `deployment.updated` plus one `flow_run.deleted` per run removed, in one transaction.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import orjson
import pytest
import sqlalchemy as sa

from deployq.errors import Conflict, NotFound
from deployq.handlers.deployments import read_deployment
from deployq.handlers.schedules import (
    create_deployment_schedules,
    delete_deployment_schedule,
    delete_deployment_schedules,
    read_deployment_schedules,
    update_deployment_schedule,
)
from deployq.messages.deployments import DeploymentUpserted, ReadDeployment
from deployq.messages.schedules import (
    CreateSchedules,
    DeleteAllSchedules,
    DeleteSchedule,
    DeploymentSchedule,
    ReadSchedules,
    UpdateSchedule,
)
from deployq.storage.database import Database
from deployq.storage.tables import deployment_schedule, flow_run, outbox
from tests.integration.builders import (
    AUTO_ANY_TIME,
    AUTO_FUTURE_ONLY,
    existing_runs,
    insert_run,
    make_deployment,
    make_flow,
    read,
    seed_runs,
    surviving_kinds,
    write,
)
from tests.integration.runs_support import interval, runs, schedule

# The deployments are made at T0 and the commands run later, each at its own instant. The
# microseconds are on purpose: a default anchor is "now" to the microsecond (R20).
T0 = datetime(2032, 3, 1, 12, 0, tzinfo=UTC)
T1 = datetime(2032, 3, 1, 12, 10, 0, 111111, tzinfo=UTC)
T2 = datetime(2032, 3, 1, 12, 20, 0, 222222, tzinfo=UTC)
T3 = datetime(2032, 3, 1, 12, 30, 0, 333333, tzinfo=UTC)
T4 = datetime(2032, 3, 1, 12, 40, 0, 444444, tzinfo=UTC)
HOUR = timedelta(hours=1)

CRON = {"cron": "0 9 * * 1-5"}
RRULE = {"rrule": "FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=0"}


def every(seconds: float, **fields: Any) -> dict[str, Any]:
    """A `schedules` entry with an interval schedule left to its defaults."""
    return {"schedule": {"interval": seconds}, **fields}


async def new_deployment(db: Database, **fields: Any) -> DeploymentUpserted:
    flow = await make_flow(db, T0)
    return await make_deployment(db, flow.id, T0, **fields)


async def add(
    db: Database, deployment_id: UUID, *schedules: dict[str, Any], now: datetime = T1
) -> list[DeploymentSchedule]:
    command = CreateSchedules.model_validate(
        {"deployment_id": deployment_id, "schedules": list(schedules)}
    )
    return await write(db, create_deployment_schedules, command, now=now)


async def listed(
    db: Database, deployment_id: UUID, filter: dict[str, Any] | None = None
) -> list[DeploymentSchedule]:
    body: dict[str, Any] = {"deployment_id": deployment_id}
    if filter is not None:
        body["filter"] = filter
    return await read(db, read_deployment_schedules, ReadSchedules.model_validate(body), now=T4)


async def change(
    db: Database, deployment_id: UUID, schedule_id: UUID, *, now: datetime = T2, **fields: Any
) -> bool:
    body = {"deployment_id": deployment_id, "schedule_id": schedule_id, **fields}
    command = UpdateSchedule.model_validate(body)
    return (await write(db, update_deployment_schedule, command, now=now)).updated


async def remove(
    db: Database, deployment_id: UUID, schedule_id: UUID, *, now: datetime = T2
) -> bool:
    command = DeleteSchedule(deployment_id=deployment_id, schedule_id=schedule_id)
    return (await write(db, delete_deployment_schedule, command, now=now)).deleted


async def remove_all(db: Database, deployment_id: UUID, *, now: datetime = T2) -> int:
    command = DeleteAllSchedules(deployment_id=deployment_id)
    return (await write(db, delete_deployment_schedules, command, now=now)).deleted


async def updated_at(db: Database, deployment_id: UUID) -> datetime:
    found = await read(db, read_deployment, ReadDeployment(id=deployment_id), now=T4)
    return found.updated


async def schedule_rows(db: Database, deployment_id: UUID) -> int:
    """The deployment's schedule rows as stored, counted without any handler."""
    statement = (
        sa.select(sa.func.count())
        .select_from(deployment_schedule)
        .where(deployment_schedule.c.deployment_id == deployment_id)
    )
    async with db.reading() as uow:
        return int((await uow.connection.execute(statement)).scalar_one())


async def start_times(db: Database, run_ids: list[UUID]) -> dict[UUID, datetime]:
    statement = sa.select(flow_run.c.id, flow_run.c.next_scheduled_start_time).where(
        flow_run.c.id.in_(run_ids)
    )
    async with db.reading() as uow:
        return {
            row.id: row.next_scheduled_start_time for row in await uow.connection.execute(statement)
        }


def slugs(schedules: list[DeploymentSchedule]) -> list[str | None]:
    return [s.slug for s in schedules]


def wire_form(schedule: DeploymentSchedule) -> dict[str, Any]:
    """A schedule as a client reads it and would send it back in `schedules.update`."""
    fields: dict[str, Any] = schedule.model_dump(
        mode="json", exclude={"id", "created", "updated", "deployment_id"}
    )
    return fields


async def seeded(db: Database, now: datetime) -> tuple[DeploymentUpserted, dict[str, UUID]]:
    """A deployment with one interval schedule and a run of every R7 kind around `now`, plus a
    future auto run of another deployment of the same flow."""
    flow = await make_flow(db, T0)
    dep = await make_deployment(db, flow.id, T0, schedules=[every(3600)])
    other = await make_deployment(db, flow.id, T0, schedules=[every(3600)])
    kinds = await seed_runs(
        db, flow_id=flow.id, deployment_id=dep.id, other_deployment_id=other.id, now=now
    )
    return dep, kinds


# --- the outbox -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Written:
    """One event as the outbox holds it; `seq` is its row, i.e. its transaction."""

    seq: int
    id: UUID
    routing_key: str
    type: str
    body: dict[str, Any]


async def outbox_mark(db: Database) -> int:
    async with db.reading() as uow:
        statement = sa.select(sa.func.coalesce(sa.func.max(outbox.c.seq), 0))
        return int((await uow.connection.execute(statement)).scalar_one())


async def events_since(db: Database, mark: int, deployment_id: UUID) -> list[Written]:
    """The deployment's events written after `mark`: `deployment.*` about it and `flow_run.*`
    keyed by it."""
    statement = sa.select(outbox).where(outbox.c.seq > mark).order_by(outbox.c.seq)
    async with db.reading() as uow:
        rows = list((await uow.connection.execute(statement)).mappings())
    found = []
    for row in rows:
        columns = (row["event_ids"], row["routing_keys"], row["types"], row["bodies"])
        for event_id, routing_key, type_, raw in zip(*columns, strict=True):
            body = orjson.loads(raw)
            if routing_key.endswith(f".{deployment_id}") or (
                routing_key.startswith("deployment.") and body["subject"] == str(deployment_id)
            ):
                found.append(Written(row["seq"], UUID(str(event_id)), routing_key, type_, body))
    return found


def instant(text: str) -> datetime:
    return datetime.fromisoformat(text)


def check_announced(
    events: list[Written], deployment_id: UUID, *, now: datetime, deleted: dict[UUID, datetime]
) -> dict[str, Any]:
    """One transaction's events: exactly one `deployment.updated`, and one `flow_run.deleted`
    per run of `deleted` (run id → scheduled time). Returns the deployment the event carries."""
    assert len({e.seq for e in events}) == 1, events
    for event in events:
        assert event.body["id"] == str(event.id)
        assert event.body["type"] == event.type
        assert event.body["source"] == "deployq"
        assert instant(event.body["time"]) == now
    updates = [e for e in events if e.type == "deployq.deployment.updated"]
    gone = [e for e in events if e.type == "deployq.flow_run.deleted"]
    assert len(updates) == 1, events
    assert len(events) == 1 + len(gone), events
    [update] = updates
    assert update.routing_key == "deployment.updated"
    assert update.body["subject"] == str(deployment_id)
    assert sorted(e.body["subject"] for e in gone) == sorted(str(r) for r in deleted)
    for event in gone:
        assert event.routing_key == f"flow_run.deleted.{deployment_id}"
        data = event.body["data"]
        assert data["deployment_id"] == str(deployment_id)
        assert instant(data["scheduled_time"]) == deleted[UUID(data["id"])]
    deployment: dict[str, Any] = update.body["data"]
    assert deployment["id"] == str(deployment_id)
    assert instant(deployment["updated"]) == now
    return deployment


# --- R61: create ----------------------------------------------------------------------------


async def test_r61_returns_the_schedules_with_ids_in_the_order_given(db: Database) -> None:
    dep = await new_deployment(db)
    anchor = "2032-01-01T00:00:00+00:00"

    created = await add(
        db,
        dep.id,
        {
            "schedule": {"interval": 600, "anchor_date": anchor},
            "slug": "ten",
            "parameters": {"x": 1},
            "max_scheduled_runs": 5,
        },
        {"schedule": CRON, "active": False},
        {"schedule": RRULE},
    )

    assert slugs(created) == ["ten", None, None]
    assert len({s.id for s in created}) == 3
    assert {s.deployment_id for s in created} == {dep.id}
    assert {(s.created, s.updated) for s in created} == {(T1, T1)}
    assert [s.active for s in created] == [True, False, True]
    assert [s.parameters for s in created] == [{"x": 1}, {}, {}]
    assert [s.max_scheduled_runs for s in created] == [5, None, None]
    assert [s.schedule.model_dump(mode="json") for s in created] == [
        {"interval": 600, "anchor_date": "2032-01-01T00:00:00Z", "timezone": "UTC"},
        {"cron": "0 9 * * 1-5", "timezone": "UTC", "day_or": True},
        {"rrule": RRULE["rrule"], "timezone": "UTC"},
    ]
    by_id = {s.id: s for s in await listed(db, dep.id)}
    assert by_id == {s.id: s for s in created}


async def test_r61_unknown_deployment_is_not_found_and_nothing_is_written(db: Database) -> None:
    missing = uuid4()
    mark = await outbox_mark(db)

    with pytest.raises(NotFound, match=str(missing)):
        await add(db, missing, every(60))

    assert await schedule_rows(db, missing) == 0
    assert await events_since(db, mark, missing) == []


async def test_r61_deletes_no_runs(db: Database) -> None:
    dep, kinds = await seeded(db, T1)

    await add(db, dep.id, every(60), {"schedule": CRON}, now=T1)

    assert await surviving_kinds(db, kinds) == set(kinds)


async def test_r61_a_slug_the_deployment_already_has_is_a_conflict_and_nothing_is_inserted(
    db: Database,
) -> None:
    dep = await new_deployment(db, schedules=[every(60, slug="daily")])
    mark = await outbox_mark(db)

    with pytest.raises(Conflict, match="slug"):
        await add(db, dep.id, every(120), every(180, slug="daily"))

    assert await listed(db, dep.id) == dep.schedules
    assert await updated_at(db, dep.id) == T0
    assert await events_since(db, mark, dep.id) == []


async def test_r61_a_slug_given_twice_is_a_conflict_and_nothing_is_inserted(
    db: Database,
) -> None:
    dep = await new_deployment(db)
    mark = await outbox_mark(db)

    with pytest.raises(Conflict, match="'twice'"):
        await add(
            db, dep.id, every(60, slug="twice"), every(90, slug="b"), every(120, slug="twice")
        )

    assert await schedule_rows(db, dep.id) == 0
    assert await updated_at(db, dep.id) == T0
    assert await events_since(db, mark, dep.id) == []


async def test_r61_many_schedules_may_have_no_slug(db: Database) -> None:
    dep = await new_deployment(db, schedules=[every(60)])

    await add(db, dep.id, every(60), every(60), now=T1)
    await add(db, dep.id, every(60), now=T2)

    assert slugs(await listed(db, dep.id)) == [None] * 4


async def test_r61_two_deployments_may_use_the_same_slug(db: Database) -> None:
    first = await new_deployment(db, schedules=[every(60, slug="daily")])
    second = await new_deployment(db)

    [made] = await add(db, second.id, every(60, slug="daily"))

    assert made.slug == "daily"
    assert await listed(db, second.id) == [made]
    assert await listed(db, first.id) == first.schedules


# --- R62: read ------------------------------------------------------------------------------


async def test_r62_most_recently_updated_first(db: Database) -> None:
    dep = await new_deployment(db)
    [a] = await add(db, dep.id, every(60, slug="a"), now=T1)
    await add(db, dep.id, every(60, slug="b"), now=T2)
    await add(db, dep.id, every(60, slug="c"), now=T3)
    assert slugs(await listed(db, dep.id)) == ["c", "b", "a"]

    await change(db, dep.id, a.id, active=False, now=T4)

    assert slugs(await listed(db, dep.id)) == ["a", "c", "b"]


@pytest.mark.parametrize(
    ("filter", "expected"),
    [
        (None, ["off", "on"]),
        ({}, ["off", "on"]),
        ({"active": None}, ["off", "on"]),
        ({"active": {}}, ["off", "on"]),
        ({"active": {"eq_": None}}, ["off", "on"]),
        ({"active": {"eq_": True}}, ["on"]),
        ({"active": {"eq_": False}}, ["off"]),
    ],
)
async def test_r62_the_active_filter_is_optional(
    db: Database, filter: dict[str, Any] | None, expected: list[str]
) -> None:
    dep = await new_deployment(db)
    await add(db, dep.id, every(60, slug="on"), now=T1)
    await add(db, dep.id, every(60, slug="off", active=False), now=T2)

    assert slugs(await listed(db, dep.id, filter)) == expected


async def test_r62_unknown_deployment_is_not_found(db: Database) -> None:
    missing = uuid4()

    with pytest.raises(NotFound, match=str(missing)):
        await listed(db, missing)


async def test_r62_reading_changes_nothing(db: Database) -> None:
    dep = await new_deployment(db, schedules=[every(60)])
    mark = await outbox_mark(db)

    await listed(db, dep.id)

    assert await updated_at(db, dep.id) == T0
    assert await events_since(db, mark, dep.id) == []


# --- R63: update ----------------------------------------------------------------------------


async def test_r63_changes_the_fields_given_and_sets_updated(db: Database) -> None:
    dep = await new_deployment(
        db, schedules=[every(60, slug="s", parameters={"a": 1}, max_scheduled_runs=3)]
    )
    [before] = dep.schedules

    assert await change(db, dep.id, before.id, active=False, now=T2) is True
    [after] = await listed(db, dep.id)
    assert after == before.model_copy(update={"active": False, "updated": T2})

    await change(db, dep.id, before.id, parameters={"b": 2}, slug="t", max_scheduled_runs=9, now=T3)
    [after] = await listed(db, dep.id)
    assert after == before.model_copy(
        update={
            "active": False,
            "parameters": {"b": 2},
            "slug": "t",
            "max_scheduled_runs": 9,
            "updated": T3,
        }
    )
    assert after.created == T0


async def test_r63_fields_given_as_null_are_left_alone(db: Database) -> None:
    dep = await new_deployment(
        db, schedules=[every(60, slug="s", parameters={"a": 1}, max_scheduled_runs=3)]
    )
    [before] = dep.schedules

    await change(
        db,
        dep.id,
        before.id,
        schedule=None,
        active=None,
        parameters=None,
        slug=None,
        max_scheduled_runs=None,
        now=T2,
    )

    assert await listed(db, dep.id) == [before.model_copy(update={"updated": T2})]


async def test_r63_a_schedule_of_another_deployment_is_not_found_and_nothing_changes(
    db: Database,
) -> None:
    dep, kinds = await seeded(db, T2)
    other = await new_deployment(db, schedules=[every(60, slug="theirs")])
    [theirs] = other.schedules
    mark = await outbox_mark(db)

    with pytest.raises(NotFound, match=str(theirs.id)):
        await change(db, dep.id, theirs.id, active=False, slug="taken", now=T2)

    assert await listed(db, other.id) == [theirs]
    assert await listed(db, dep.id) == dep.schedules
    assert await updated_at(db, dep.id) == T0
    assert await updated_at(db, other.id) == T0
    assert await surviving_kinds(db, kinds) == set(kinds)
    assert await events_since(db, mark, dep.id) == []
    assert await events_since(db, mark, other.id) == []


async def test_r63_unknown_schedule_or_deployment_is_not_found(db: Database) -> None:
    dep = await new_deployment(db, schedules=[every(60)])
    [stored] = dep.schedules

    with pytest.raises(NotFound):
        await change(db, dep.id, uuid4(), active=False)
    with pytest.raises(NotFound):
        await change(db, uuid4(), stored.id, active=False)

    assert await listed(db, dep.id) == [stored]


async def test_r63_a_slug_another_schedule_has_is_a_conflict(db: Database) -> None:
    dep = await new_deployment(db, schedules=[every(60, slug="a"), every(90, slug="b")])
    mark = await outbox_mark(db)

    with pytest.raises(Conflict, match="slug"):
        await change(db, dep.id, dep.schedules[1].id, slug="a", active=False)

    assert await listed(db, dep.id) == dep.schedules
    assert await updated_at(db, dep.id) == T0
    assert await events_since(db, mark, dep.id) == []


async def test_r63_deletes_only_the_future_auto_runs(db: Database) -> None:
    dep, kinds = await seeded(db, T2)

    await change(db, dep.id, dep.schedules[0].id, active=False, now=T2)

    assert await surviving_kinds(db, kinds) == set(kinds) - AUTO_FUTURE_ONLY


async def test_r63_runs_of_schedule_runs_in_the_past_stay_and_future_ones_go(
    db: Database,
) -> None:
    dep = await new_deployment(db, schedules=[interval(3600, T0 - 6 * HOUR)])
    made = await schedule(db, dep.id, T2, start_time=(T2 - 3 * HOUR).isoformat(), min_runs=6)
    when = {r["id"]: r["next_scheduled_start_time"] for r in await runs(db, dep.id)}
    past = {run_id for run_id in made if when[run_id] <= T2}
    future = {run_id: when[run_id] for run_id in made if when[run_id] > T2}
    assert len(past) == 3
    assert len(future) == 3
    mark = await outbox_mark(db)

    await change(db, dep.id, dep.schedules[0].id, parameters={"p": 1}, now=T2)

    assert set(await existing_runs(db, made)) == past
    check_announced(await events_since(db, mark, dep.id), dep.id, now=T2, deleted=future)


# Each case: the schedule sent, and the schedule as stored and returned (R20, R21, R30, R40).
# T2 is 07:20:00.222222 in New York (EST, before the 2032 change on March 14).
RESOLVED_AT_T2 = [
    pytest.param(
        {"interval": 900},
        {"interval": 900, "anchor_date": "2032-03-01T12:20:00.222222Z", "timezone": "UTC"},
        id="interval-defaults",
    ),
    pytest.param(
        {"interval": 900, "timezone": "America/New_York"},
        {
            "interval": 900,
            "anchor_date": "2032-03-01T07:20:00.222222-05:00",
            "timezone": "America/New_York",
        },
        id="interval-timezone-without-anchor",
    ),
    pytest.param(
        {"interval": 90.5, "anchor_date": "2031-07-04T09:00:00-05:00"},
        {"interval": 90.5, "anchor_date": "2031-07-04T14:00:00Z", "timezone": "UTC"},
        id="interval-offset-names-no-zone",
    ),
    pytest.param(
        {
            "interval": 86400,
            "anchor_date": "2031-07-04T13:00:00Z",
            "timezone": "America/New_York",
        },
        {
            "interval": 86400,
            "anchor_date": "2031-07-04T09:00:00-04:00",
            "timezone": "America/New_York",
        },
        id="interval-anchor-read-in-the-zone",
    ),
    pytest.param(
        {
            "interval": 86400,
            "anchor_date": "2031-11-02T06:30:00Z",
            "timezone": "America/New_York",
        },
        {
            "interval": 86400,
            "anchor_date": "2031-11-02T01:30:00-05:00",
            "timezone": "America/New_York",
        },
        id="interval-anchor-in-the-repeated-hour",
    ),
    pytest.param(CRON, {**CRON, "timezone": "UTC", "day_or": True}, id="cron-defaults"),
    pytest.param(
        {"cron": "0 0 8-14 * 5", "timezone": "Europe/Paris", "day_or": False},
        {"cron": "0 0 8-14 * 5", "timezone": "Europe/Paris", "day_or": False},
        id="cron-given",
    ),
    pytest.param(RRULE, {**RRULE, "timezone": "UTC"}, id="rrule-defaults"),
    pytest.param(
        {**RRULE, "timezone": "Asia/Tokyo"}, {**RRULE, "timezone": "Asia/Tokyo"}, id="rrule-given"
    ),
]


@pytest.mark.parametrize(("given", "resolved"), RESOLVED_AT_T2)
async def test_r63_a_new_schedule_is_resolved_again(
    db: Database, given: dict[str, Any], resolved: dict[str, Any]
) -> None:
    dep = await new_deployment(
        db,
        schedules=[
            {
                "schedule": {
                    "interval": 60,
                    "anchor_date": "2030-01-01T00:00:00Z",
                    "timezone": "Asia/Kolkata",
                }
            }
        ],
    )

    await change(db, dep.id, dep.schedules[0].id, schedule=given, now=T2)

    [after] = await listed(db, dep.id)
    assert after.schedule.model_dump(mode="json") == resolved


@pytest.mark.parametrize(("given", "resolved"), RESOLVED_AT_T2)
async def test_r20_r30_r40_created_schedules_are_stored_resolved(
    db: Database, given: dict[str, Any], resolved: dict[str, Any]
) -> None:
    dep = await new_deployment(db)

    [made] = await add(db, dep.id, {"schedule": given}, now=T2)

    assert made.schedule.model_dump(mode="json") == resolved
    [stored] = await listed(db, dep.id)
    assert stored.schedule.model_dump(mode="json") == resolved


@pytest.mark.parametrize(("given", "resolved"), RESOLVED_AT_T2)
async def test_r63_a_schedule_read_back_and_sent_again_changes_nothing_but_updated(
    db: Database, given: dict[str, Any], resolved: dict[str, Any]
) -> None:
    dep = await new_deployment(db)
    await add(
        db,
        dep.id,
        {"schedule": given, "slug": "s", "parameters": {"p": [1]}, "max_scheduled_runs": 4},
        now=T2,
    )
    [before] = await listed(db, dep.id)

    await change(db, dep.id, before.id, **wire_form(before), now=T4)

    [after] = await listed(db, dep.id)
    assert after.updated == T4
    assert after == before.model_copy(update={"updated": T4})
    assert wire_form(after) == wire_form(before)
    assert after.schedule.model_dump(mode="json") == resolved


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
