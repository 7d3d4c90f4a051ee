"""Entities for the integration tests: flows and deployments made through the handlers, and the
rows no handler writes (flow runs, task runs) inserted with plain SQL.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar
from uuid import UUID

import sqlalchemy as sa

from deployq.handlers.deployments import create_deployment
from deployq.handlers.flows import create_flow
from deployq.messages.deployments import CreateDeployment, DeploymentUpserted
from deployq.messages.flows import CreateFlow, Flow
from deployq.storage.database import Database
from deployq.storage.tables import (
    deployment,
    deployment_schedule,
    flow_run,
    task_run,
)
from deployq.storage.unit_of_work import UnitOfWork
from tests.support import unique

C_contra = TypeVar("C_contra", contravariant=True)
R_co = TypeVar("R_co", covariant=True)
R = TypeVar("R")
C = TypeVar("C")


class Handler(Protocol[C_contra, R_co]):
    async def __call__(self, command: C_contra, uow: UnitOfWork, /, *, now: datetime) -> R_co: ...


async def write(db: Database, handler: Handler[C, R], command: C, *, now: datetime) -> R:
    """Run a write handler in its own transaction and commit it."""
    async with db.transaction() as uow:
        result = await handler(command, uow, now=now)
        await uow.commit()
    return result


async def read(db: Database, handler: Handler[C, R], command: C, *, now: datetime) -> R:
    """Run a read handler the way the dispatcher does: outside a transaction."""
    async with db.reading() as uow:
        return await handler(command, uow, now=now)


async def make_flow(
    db: Database, now: datetime, *, name: str | None = None, tags: list[str] | None = None
) -> Flow:
    fields: dict[str, Any] = {"name": name or unique("flow")}
    if tags is not None:
        fields["tags"] = tags
    return await write(db, create_flow, CreateFlow.model_validate(fields), now=now)


async def make_deployment(
    db: Database, flow_id: UUID, now: datetime, **fields: Any
) -> DeploymentUpserted:
    """`deployment.create` with the wire field names (`name` defaults to a unique one)."""
    body = {"name": unique("dep"), "flow_id": flow_id, **fields}
    return await write(db, create_deployment, CreateDeployment.model_validate(body), now=now)


async def insert_run(
    db: Database,
    *,
    flow_id: UUID,
    deployment_id: UUID | None,
    start: datetime | None,
    auto_scheduled: bool = True,
    state_type: str = "SCHEDULED",
    state_name: str = "Scheduled",
    run_count: int = 0,
    name: str | None = None,
) -> UUID:
    """A flow run row as the scheduler or a user would have left it."""
    values = {
        "name": name or unique("run"),
        "flow_id": flow_id,
        "deployment_id": deployment_id,
        "auto_scheduled": auto_scheduled,
        "state_type": state_type,
        "state_name": state_name,
        "run_count": run_count,
        "expected_start_time": start,
        "next_scheduled_start_time": start,
    }
    async with db.transaction() as uow:
        statement = sa.insert(flow_run).values(values).returning(flow_run.c.id)
        run_id: UUID = (await uow.connection.execute(statement)).scalar_one()
        await uow.commit()
    return run_id


async def insert_task_run(
    db: Database,
    *,
    flow_run_id: UUID,
    name: str,
    state_type: str | None = "COMPLETED",
    state_name: str | None = "Completed",
    tags: list[str] | None = None,
    start_time: datetime | None = None,
) -> UUID:
    values = {
        "flow_run_id": flow_run_id,
        "name": name,
        "state_type": state_type,
        "state_name": state_name,
        "tags": tags or [],
        "start_time": start_time,
    }
    async with db.transaction() as uow:
        statement = sa.insert(task_run).values(values).returning(task_run.c.id)
        task_run_id: UUID = (await uow.connection.execute(statement)).scalar_one()
        await uow.commit()
    return task_run_id


async def existing_runs(db: Database, run_ids: list[UUID]) -> dict[UUID, UUID | None]:
    """Which of `run_ids` still exist, each with its deployment_id."""
    async with db.reading() as uow:
        result = await uow.connection.execute(
            sa.select(flow_run.c.id, flow_run.c.deployment_id).where(flow_run.c.id.in_(run_ids))
        )
        return {row.id: row.deployment_id for row in result}


async def runs_of(db: Database, deployment_id: UUID) -> set[UUID]:
    async with db.reading() as uow:
        result = await uow.connection.execute(
            sa.select(flow_run.c.id).where(flow_run.c.deployment_id == deployment_id)
        )
        return set(result.scalars())


async def deployments_named(db: Database, name: str) -> int:
    async with db.reading() as uow:
        result = await uow.connection.execute(
            sa.select(sa.func.count()).select_from(deployment).where(deployment.c.name == name)
        )
        return int(result.scalar_one())


async def schedule_rows(db: Database, deployment_id: UUID) -> int:
    """The deployment's schedule rows as stored, counted without any handler."""
    statement = sa.select(sa.func.count()).where(
        deployment_schedule.c.deployment_id == deployment_id
    )
    async with db.reading() as uow:
        return int((await uow.connection.execute(statement)).scalar_one())


# The kinds of run R7 tells apart, as seeded by `seed_runs`.
FUTURE_AUTO = "future auto Scheduled"
FUTURE_AUTO_LATE = "future auto Late"
NOW_AUTO = "auto due exactly now"
PAST_AUTO = "past auto Scheduled"
FUTURE_MANUAL = "future manual Scheduled"
PAST_MANUAL = "past manual Scheduled"
RETRIED = "future auto AwaitingRetry run_count=1"
WAITING_FOR_SLOT = "future auto AwaitingConcurrencySlot"
PENDING = "future auto Pending"
RUNNING = "past auto Running"
COMPLETED = "past manual Completed"
OTHER_DEPLOYMENT = "another deployment's future auto Scheduled"

AUTO_FUTURE_ONLY = frozenset({FUTURE_AUTO, FUTURE_AUTO_LATE})
AUTO_ANY_TIME = AUTO_FUTURE_ONLY | {NOW_AUTO, PAST_AUTO}
ALL_DELETABLE = AUTO_ANY_TIME | {FUTURE_MANUAL, PAST_MANUAL}
NEVER_DELETED = frozenset({RETRIED, WAITING_FOR_SLOT, PENDING, RUNNING, COMPLETED})


async def seed_runs(
    db: Database, *, flow_id: UUID, deployment_id: UUID, other_deployment_id: UUID, now: datetime
) -> dict[str, UUID]:
    """One run of every kind R7 distinguishes, relative to `now`."""
    future, past = now + timedelta(hours=2), now - timedelta(hours=2)
    kinds: dict[str, dict[str, Any]] = {
        FUTURE_AUTO: {"start": future},
        FUTURE_AUTO_LATE: {"start": future, "state_name": "Late"},
        NOW_AUTO: {"start": now},
        PAST_AUTO: {"start": past},
        FUTURE_MANUAL: {"start": future, "auto_scheduled": False},
        PAST_MANUAL: {"start": past, "auto_scheduled": False},
        RETRIED: {"start": future, "state_name": "AwaitingRetry", "run_count": 1},
        WAITING_FOR_SLOT: {"start": future, "state_name": "AwaitingConcurrencySlot"},
        PENDING: {"start": future, "state_type": "PENDING", "state_name": "Pending"},
        RUNNING: {"start": past, "state_type": "RUNNING", "state_name": "Running",
                  "run_count": 1},
        COMPLETED: {"start": past, "state_type": "COMPLETED", "state_name": "Completed",
                    "auto_scheduled": False, "run_count": 1},
    }  # fmt: skip
    runs = {
        kind: await insert_run(db, flow_id=flow_id, deployment_id=deployment_id, **fields)
        for kind, fields in kinds.items()
    }
    runs[OTHER_DEPLOYMENT] = await insert_run(
        db, flow_id=flow_id, deployment_id=other_deployment_id, start=future
    )
    return runs


async def surviving_kinds(db: Database, runs: dict[str, UUID]) -> set[str]:
    left = await existing_runs(db, list(runs.values()))
    return {kind for kind, run_id in runs.items() if run_id in left}
