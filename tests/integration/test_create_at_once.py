"""`deployment.create` of a new deployment in one statement answers, stores and announces exactly
what the general path does; every case it does not cover falls through to the general path."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import orjson
import pytest
import sqlalchemy as sa

from deployq import handlers
from deployq.consumers import dispatch
from deployq.consumers.codec import Decoded
from deployq.messages.deployments import CreateDeployment
from deployq.storage.database import Database
from tests.integration.builders import make_flow
from tests.integration.deployments_support import RICH_FIELDS, every
from tests.support import unique

VOLATILE = {"id", "name", "created", "updated", "deployment_id"}


def decoded(body: dict[str, Any], message_id: str | None = None) -> Decoded:
    raw = orjson.dumps(body)
    command = CreateDeployment.model_validate(body)
    return Decoded(command, message_id or uuid.uuid4().hex, hashlib.sha256(raw).digest())


@contextmanager
def general_path_only() -> Iterator[None]:
    saved = dict(handlers.AT_ONCE)
    handlers.AT_ONCE.clear()
    try:
        yield
    finally:
        handlers.AT_ONCE.update(saved)


def stable(value: Any) -> Any:
    """`value` without what differs between two creations: ids, names and times."""
    if isinstance(value, dict):
        return {k: stable(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [stable(v) for v in value]
    return value


ROW = sa.text("SELECT * FROM deployment WHERE id = :id")
SCHEDULES = sa.text("SELECT * FROM deployment_schedule WHERE deployment_id = :id ORDER BY id")
EVENTS = sa.text("SELECT types, bodies FROM outbox ORDER BY seq")


async def stored(db: Database, deployment_id: str) -> tuple[Any, Any, Any]:
    """The deployment row, its schedules and its events as stored, without volatile parts."""
    async with db.engine.connect() as connection:
        row = (await connection.execute(ROW, {"id": deployment_id})).mappings().one()
        schedules = (await connection.execute(SCHEDULES, {"id": deployment_id})).mappings()
        outbox = (await connection.execute(EVENTS)).all()
    events = [
        (kind, orjson.loads(body)["data"])
        for kinds, bodies in outbox
        for kind, body in zip(kinds, bodies, strict=True)
    ]
    return (
        stable(dict(row)),
        stable([dict(s) for s in schedules]),
        [(kind, stable(data)) for kind, data in events if data.get("id") == deployment_id],
    )


@pytest.mark.parametrize("schedules", [[], [every(3600, slug="hourly"), every(60)]])
async def test_one_statement_and_the_general_path_agree(
    db: Database, now: datetime, schedules: list[dict[str, Any]]
) -> None:
    flow = await make_flow(db, now)
    body: dict[str, Any] = {"flow_id": str(flow.id), **RICH_FIELDS, "schedules": schedules}
    body.pop("work_queue_name", None)
    body.pop("work_pool_name", None)

    fast = await dispatch._at_once(decoded({**body, "name": unique("fast")}), db, now)
    assert fast is not None  # the one statement did it
    with general_path_only():
        slow = await dispatch.execute(decoded({**body, "name": unique("slow")}), db, lambda: now)

    assert fast.ok, fast.body
    assert slow.ok, slow.body
    fast_result, slow_result = orjson.loads(fast.body)["result"], orjson.loads(slow.body)["result"]
    assert stable(fast_result) == stable(slow_result)
    assert fast_result["outcome"] == "created"
    assert await stored(db, fast_result["id"]) == await stored(db, slow_result["id"])


async def test_a_redelivery_gets_the_reply_stored_in_the_same_statement(
    db: Database, now: datetime
) -> None:
    flow = await make_flow(db, now)
    command = decoded({"flow_id": str(flow.id), "name": unique("twice")})

    first = await dispatch.execute(command, db, lambda: now)
    again = await dispatch.execute(command, db, lambda: now)

    assert again.body == first.body


async def test_cases_it_does_not_cover_take_the_general_path(db: Database, now: datetime) -> None:
    flow = await make_flow(db, now)
    name = unique("again")

    def run(body: dict[str, Any], message_id: str | None = None) -> Any:
        return dispatch.execute(decoded(body, message_id), db, lambda: now)

    created = await run({"flow_id": str(flow.id), "name": name})
    updated = await run({"flow_id": str(flow.id), "name": name})
    unknown = await run({"flow_id": str(uuid.uuid4()), "name": name})
    first = decoded({"flow_id": str(flow.id), "name": unique("first")})
    await dispatch.execute(first, db, lambda: now)
    reused = await run({"flow_id": str(flow.id), "name": unique("second")}, first.message_id)

    assert orjson.loads(created.body)["result"]["outcome"] == "created"
    assert orjson.loads(updated.body)["result"]["outcome"] == "updated"
    assert unknown.code == "not_found"
    assert reused.code == "conflict"
