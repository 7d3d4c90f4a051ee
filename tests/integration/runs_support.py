"""What the run tests share: schedules by shape, `schedule_runs` through its handler, and reads of
the runs, their state rows and their outbox events as stored."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import RowMapping

from deployq.handlers.runs import schedule_runs
from deployq.messages.runs import ScheduleRuns
from deployq.storage.database import Database
from deployq.storage.tables import flow_run, flow_run_state
from tests.integration.builders import write

# A fixed clock for the runs tests: dates read easily and never depend on when the test runs.
NOW = datetime(2031, 6, 1, 12, 0, tzinfo=UTC)
SOON = NOW + timedelta(seconds=1)  # "anchor just after start"
HOUR = timedelta(hours=1)
QUARTER = timedelta(minutes=15)


def interval(seconds: float, anchor: datetime, **fields: Any) -> dict[str, Any]:
    """A `schedules` entry with an interval schedule anchored at `anchor`."""
    return {"schedule": {"interval": seconds, "anchor_date": anchor.isoformat()}, **fields}


def grid(anchor: datetime, every: timedelta, count: int) -> list[datetime]:
    return [anchor + k * every for k in range(count)]


async def schedule(db: Database, deployment_id: UUID, now: datetime, **fields: Any) -> list[UUID]:
    """`deployment.schedule_runs` in its own committed transaction; the new run ids."""
    command = ScheduleRuns.model_validate({"deployment_id": deployment_id, **fields})
    return (await write(db, schedule_runs, command, now=now)).run_ids


async def runs(db: Database, deployment_id: UUID) -> list[RowMapping]:
    """The deployment's runs, earliest first."""
    statement = (
        sa.select(flow_run)
        .where(flow_run.c.deployment_id == deployment_id)
        .order_by(flow_run.c.next_scheduled_start_time, flow_run.c.id)
    )
    async with db.reading() as uow:
        return list((await uow.connection.execute(statement)).mappings())


async def times(db: Database, deployment_id: UUID) -> list[datetime]:
    return [r["next_scheduled_start_time"] for r in await runs(db, deployment_id)]


async def state_rows(db: Database, run_ids: list[UUID]) -> dict[UUID, int]:
    """How many state rows each run has (only runs that have any)."""
    statement = (
        sa.select(flow_run_state.c.flow_run_id, sa.func.count())
        .where(flow_run_state.c.flow_run_id.in_(run_ids))
        .group_by(flow_run_state.c.flow_run_id)
    )
    async with db.reading() as uow:
        return {UUID(str(k)): n for k, n in (await uow.connection.execute(statement)).all()}


async def created_events(db: Database, deployment_id: UUID) -> list[dict[str, Any]]:
    """Every `flow_run.created` CloudEvent written to the outbox for the deployment."""
    statement = sa.text(
        "SELECT e.body FROM outbox, unnest(outbox.routing_keys, outbox.bodies) AS e(key, body) "
        "WHERE e.key = :key ORDER BY outbox.seq"
    )
    async with db.reading() as uow:
        result = await uow.connection.execute(
            statement, {"key": f"flow_run.created.{deployment_id}"}
        )
        return [orjson.loads(body) for body in result.scalars()]


async def set_state(db: Database, run_id: UUID, state_type: str, state_name: str) -> None:
    async with db.transaction() as uow:
        await uow.connection.execute(
            sa.update(flow_run)
            .where(flow_run.c.id == run_id)
            .values(state_type=state_type, state_name=state_name)
        )
        await uow.commit()


async def delete_runs(db: Database, run_ids: list[UUID]) -> None:
    async with db.transaction() as uow:
        await uow.connection.execute(sa.delete(flow_run).where(flow_run.c.id.in_(run_ids)))
        await uow.commit()
