"""Commands run through the dispatcher (`execute`) as a worker runs them, so the reply and the
first outbox row travel in one statement exactly as in production."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import orjson

from deployq.consumers.codec import Incoming, decode
from deployq.consumers.dispatch import execute
from deployq.messages import events
from deployq.storage.database import Database
from tests.integration.builders import make_flow
from tests.integration.runs_support import interval, runs
from tests.support import ok, unique

BODY_LIMIT = 1024 * 1024
CREATED, UPDATED, DELETED = (
    events.DEPLOYMENT_CREATED,
    events.DEPLOYMENT_UPDATED,
    events.DEPLOYMENT_DELETED,
)


async def dispatch(db: Database, command: str, body: dict[str, Any], *, now: datetime) -> Any:
    """Decode and execute one write with a fresh message_id; the reply body."""
    message = Incoming(orjson.dumps(body), command, message_id=uuid.uuid4().hex)
    answer = await execute(
        decode(message, body_limit=BODY_LIMIT, json_max_depth=32, now=now), db, lambda: now
    )
    return orjson.loads(answer.body)


def without_outcome(deployment: dict[str, Any]) -> dict[str, Any]:
    assert deployment["outcome"] in ("created", "updated")
    return {k: v for k, v in deployment.items() if k != "outcome"}


async def create(db: Database, now: datetime, **fields: Any) -> Any:
    if "flow_id" not in fields and "flow_name" not in fields:
        fields["flow_id"] = str((await make_flow(db, now)).id)
    return ok(await dispatch(db, "deployment.create", {"name": unique("dep"), **fields}, now=now))


async def scheduled_times(db: Database, deployment_id: str) -> dict[UUID, datetime]:
    return {r["id"]: r["next_scheduled_start_time"] for r in await runs(db, UUID(deployment_id))}


async def with_future_runs(db: Database, now: datetime, count: int = 3) -> tuple[Any, list[str]]:
    """A deployment (one hourly schedule, no slug) and its `count` future auto-scheduled runs."""
    soon = now.replace(microsecond=0) + timedelta(minutes=30)
    deployment = await create(db, now, schedules=[interval(3600, soon)])
    made = ok(
        await dispatch(
            db,
            "deployment.schedule_runs",
            {"deployment_id": deployment["id"], "min_runs": count, "max_runs": count},
            now=now,
        )
    )
    assert len(made["run_ids"]) == count
    return deployment, made["run_ids"]


async def some_changes(db: Database, now: datetime) -> None:
    """Several transactions, some of many events: create, runs, update, another create, delete."""
    deployment, _ = await with_future_runs(db, now, count=4)
    ok(await dispatch(db, "deployment.update", {"id": deployment["id"], "tags": ["x"]}, now=now))
    await create(db, now, flow_id=deployment["flow_id"])
    ok(await dispatch(db, "deployment.delete", {"id": deployment["id"]}, now=now))
