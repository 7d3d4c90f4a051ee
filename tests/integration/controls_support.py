"""What the tests of CONTRACT §8's commands share: the commands run through their handlers in
committed transactions, and the events they left in the outbox."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import orjson
import sqlalchemy as sa

from deployq.handlers.bounds import Bounds
from deployq.handlers.manual_runs import create_flow_run, delete_flow_run
from deployq.handlers.previews import preview_schedules
from deployq.handlers.run_controls import backfill_deployment, drop_late_runs
from deployq.messages.base import Deleted
from deployq.messages.previews import Preview, PreviewSchedules
from deployq.messages.run_controls import Backfill, Backfilled, DropLateRuns
from deployq.messages.runs import CreateFlowRun, DeleteFlowRun, FlowRun
from deployq.storage.database import Database
from tests.integration.builders import read, write


async def preview(db: Database, now: datetime, **body: Any) -> Preview:
    command = PreviewSchedules.model_validate(body)
    return await read(db, preview_schedules, command, now=now)


async def manual_run(db: Database, now: datetime, **body: Any) -> FlowRun:
    return await write(db, create_flow_run, CreateFlowRun.model_validate(body), now=now)


async def delete_run(db: Database, now: datetime, run_id: UUID) -> Deleted:
    return await write(db, delete_flow_run, DeleteFlowRun(id=run_id), now=now)


async def backfill(
    db: Database, now: datetime, *, most: int | None = None, **body: Any
) -> Backfilled:
    command = Backfill.model_validate(body)
    bounds = Bounds() if most is None else Bounds(backfill_max_runs=most)
    async with db.transaction() as uow:
        result = await backfill_deployment(command, uow, now=now, bounds=bounds)
        await uow.commit()
    return result


async def drop_late(db: Database, now: datetime, **body: Any) -> int:
    result = await write(db, drop_late_runs, DropLateRuns.model_validate(body), now=now)
    return result.deleted


async def events(db: Database, routing_key: str) -> list[dict[str, Any]]:
    """Every CloudEvent written to the outbox under `routing_key`, in commit order."""
    statement = sa.text(
        "SELECT e.body FROM outbox, unnest(outbox.routing_keys, outbox.bodies) AS e(key, body) "
        "WHERE e.key = :key ORDER BY outbox.seq"
    )
    async with db.reading() as uow:
        result = await uow.connection.execute(statement, {"key": routing_key})
        return [orjson.loads(body) for body in result.scalars()]


async def created(db: Database, deployment_id: UUID) -> list[str]:
    """Ids of the runs announced as created for the deployment."""
    return [e["data"]["id"] for e in await events(db, f"flow_run.created.{deployment_id}")]


async def deleted(db: Database, deployment_id: UUID) -> list[str]:
    """Ids of the runs announced as deleted for the deployment."""
    return [e["data"]["id"] for e in await events(db, f"flow_run.deleted.{deployment_id}")]
