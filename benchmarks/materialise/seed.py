"""What a pass works on: deployments with an hourly schedule, and tables emptied between passes.

The deployments are written with two set-based statements rather than through
`deployment.create`, so that seeding 10,000 of them takes a moment and the figures are about the
pass alone.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import orjson
import sqlalchemy as sa

from deployq.settings import SchedulerSettings
from deployq.storage.database import Database

NOW = datetime.now(UTC).replace(microsecond=0)
ANCHOR = NOW + timedelta(seconds=1)


def settings_for(runs: int) -> SchedulerSettings:
    """`runs` runs per hourly schedule: min_runs = max_runs = runs, the window far wider."""
    return SchedulerSettings(
        max_runs=runs,
        min_runs=runs,
        min_scheduled_time=timedelta(hours=1),
        max_scheduled_time=timedelta(days=100),
        deployment_batch_size=100,
        insert_batch_size=500,
    )


async def add_flow(db: Database, name: str = "bench") -> uuid.UUID:
    """The one flow every seeded deployment belongs to."""
    async with db.transaction() as uow:
        statement = sa.text("INSERT INTO flow (name) VALUES (:name) RETURNING id")
        flow_id: uuid.UUID = (await uow.connection.execute(statement, {"name": name})).scalar_one()
        await uow.commit()
    return flow_id


async def add_deployments(db: Database, flow_id: uuid.UUID, count: int, prefix: str) -> None:
    """`count` deployments with one hourly schedule each, in two statements."""
    ids = [uuid.uuid4() for _ in range(count)]
    document = orjson.dumps(
        {"interval": 3600, "anchor_date": ANCHOR.isoformat(), "timezone": "UTC"}
    ).decode()
    async with db.transaction() as uow:
        await uow.connection.execute(
            sa.text(
                "INSERT INTO deployment (id, name, flow_id, tags, labels, parameters, "
                "work_queue_name, version) SELECT id, :prefix || n, :flow_id, "
                """'["bench", "hourly"]', '{"team": "bench"}', '{"rows": 100, "mode": "full"}', """
                "'default', 'v1' FROM unnest(CAST(:ids AS uuid[])) WITH ORDINALITY AS t(id, n)"
            ),
            {"ids": ids, "flow_id": flow_id, "prefix": prefix},
        )
        await uow.connection.execute(
            sa.text(
                "INSERT INTO deployment_schedule (deployment_id, schedule, parameters) "
                """SELECT id, CAST(:document AS jsonb), '{"mode": "hourly"}' """
                "FROM unnest(CAST(:ids AS uuid[])) AS t(id)"
            ),
            {"ids": ids, "document": document},
        )
        await uow.commit()


async def count_rows(db: Database, table: str) -> int:
    async with db.reading() as uow:
        return int(
            (await uow.connection.execute(sa.text(f"SELECT count(*) FROM {table}"))).scalar_one()
        )


async def outbox_events(db: Database) -> int:
    statement = sa.text("SELECT coalesce(sum(cardinality(event_ids)), 0) FROM outbox")
    async with db.reading() as uow:
        return int((await uow.connection.execute(statement)).scalar_one())


async def reset(db: Database) -> None:
    """Forget every run, state and event, so each measured pass starts from the same tables."""
    async with db.transaction() as uow:
        await uow.connection.execute(sa.text("TRUNCATE flow_run, flow_run_state, task_run, outbox"))
        await uow.commit()
    async with db.reading() as uow:
        await uow.connection.execute(sa.text("CHECKPOINT"))
