"""`work_queue.delete` against PostgreSQL (R3): the default queue stays, and deleting a queue
detaches its deployments and announces them."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import orjson
import pytest

from deployq.errors import Conflict, NotFound
from deployq.handlers.deployments import read_deployment
from deployq.handlers.work_queues import delete_work_queue
from deployq.messages.deployments import ReadDeployment
from deployq.messages.work_queues import DeleteWorkQueue
from deployq.storage.database import Database
from tests.integration.builders import make_deployment, make_flow, read, write
from tests.integration.pools import deployment_queue, make_pool, make_queue, pool_named, queue_named
from tests.support import unique


async def delete(db: Database, now: datetime, **body: Any) -> bool:
    deleted = await write(db, delete_work_queue, DeleteWorkQueue.model_validate(body), now=now)
    return deleted.deleted


async def test_delete_removes_the_queue(db: Database, now: datetime) -> None:
    pool = await make_pool(db, now)
    queue = await make_queue(db, now, pool.name)

    assert await delete(db, now, work_pool_name=pool.name, name=queue.name) is True

    with pytest.raises(NotFound):
        await queue_named(db, now, pool.name, queue.name)
    assert (await pool_named(db, now, pool.name)) == pool


async def test_delete_of_the_default_queue_is_refused(db: Database, now: datetime) -> None:
    pool = await make_pool(db, now)

    with pytest.raises(Conflict, match="default queue"):
        await delete(db, now, work_pool_name=pool.name, name="default")

    assert (await queue_named(db, now, pool.name, "default")).id == pool.default_queue_id


async def test_delete_unknown_queue_or_pool_is_not_found(db: Database, now: datetime) -> None:
    pool = await make_pool(db, now)

    with pytest.raises(NotFound):
        await delete(db, now, work_pool_name=pool.name, name="nope")
    with pytest.raises(NotFound):
        await delete(db, now, work_pool_name=unique("pool"), name="x")


async def test_delete_in_the_default_pool(db: Database, now: datetime) -> None:
    queue = await make_queue(db, now, None)

    assert await delete(db, now, name=queue.name) is True

    with pytest.raises(NotFound):
        await queue_named(db, now, None, queue.name)


async def test_delete_detaches_deployments_and_announces_them(db: Database, now: datetime) -> None:
    pool = await make_pool(db, now)
    flow = await make_flow(db, now)
    on_queue = await make_deployment(
        db, flow.id, now, work_pool_name=pool.name, work_queue_name="q"
    )
    on_default = await make_deployment(db, flow.id, now, work_pool_name=pool.name)
    later = now + timedelta(minutes=1)

    async with db.transaction() as uow:
        await delete_work_queue(DeleteWorkQueue(work_pool_name=pool.name, name="q"), uow, now=later)
        announced = list(uow.events)
        await uow.commit()

    assert await deployment_queue(db, on_queue.id) == (None, "q")
    detached = await read(db, read_deployment, ReadDeployment(id=on_queue.id), now=now)
    assert (detached.work_pool_name, detached.updated) == (None, later)
    kept = await read(db, read_deployment, ReadDeployment(id=on_default.id), now=now)
    assert (kept.work_queue_id, kept.work_pool_name) == (pool.default_queue_id, pool.name)
    [event] = announced
    assert orjson.loads(event.body)["subject"] == str(on_queue.id)
    assert orjson.loads(event.body)["data"]["work_queue_name"] == "q"
