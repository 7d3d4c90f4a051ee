"""What the schedule command tests share, with fixed clocks: the commands run through their
handlers, the schedules and runs as stored, and what each write must announce.

Every write is checked three ways: the schedules as read back, the runs left behind (R7's kinds,
seeded by `seed_runs` or made by `deployment.schedule_runs`), and what went to the outbox:
exactly one `deployment.updated` plus one `flow_run.deleted` per run removed, in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import orjson
import sqlalchemy as sa

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
from deployq.storage.tables import flow_run, outbox
from tests.integration.builders import make_deployment, make_flow, read, seed_runs, write

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
