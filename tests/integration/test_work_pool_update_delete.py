"""`work_pool.update` and `work_pool.delete` against PostgreSQL (R2): deleting a pool detaches
its deployments and announces them."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import orjson
import pytest
import sqlalchemy as sa

from deployq.errors import NotFound
from deployq.handlers.deployments import read_deployment
from deployq.handlers.work_pools import delete_work_pool, update_work_pool
from deployq.messages import events
from deployq.messages.deployments import ReadDeployment
from deployq.messages.work_pools import DeleteWorkPool, UpdateWorkPool, WorkPool
from deployq.storage.database import Database
from deployq.storage.tables import work_pool
from tests.integration.builders import make_deployment, make_flow, read, write
from tests.integration.pools import (
    deployment_queue,
    make_pool,
    make_queue,
    pool_named,
    queue_named,
    queues_of,
)
from tests.support import unique


async def update(db: Database, now: datetime, **body: Any) -> WorkPool:
    return await write(db, update_work_pool, UpdateWorkPool.model_validate(body), now=now)


# --- update ---------------------------------------------------------------------------------


async def test_update_changes_only_fields_given(db: Database, now: datetime) -> None:
    pool = await make_pool(
        db, now, description="d", concurrency_limit=4, base_job_template={"a": 1}
    )
    later = now + timedelta(minutes=1)

    paused = await update(db, later, name=pool.name, is_paused=True)

    assert paused.is_paused is True
    assert paused.updated == later
    assert paused.model_dump(exclude={"is_paused", "updated"}) == pool.model_dump(
        exclude={"is_paused", "updated"}
    )


async def test_update_every_changeable_field(db: Database, now: datetime) -> None:
    pool = await make_pool(db, now)

    updated = await update(
        db,
        now,
        name=pool.name,
        description="new",
        is_paused=True,
        concurrency_limit=2,
        base_job_template={"variables": {}},
    )

    assert (updated.description, updated.is_paused, updated.concurrency_limit) == ("new", True, 2)
    assert updated.base_job_template == {"variables": {}}
    assert (updated.type, updated.default_queue_id) == (pool.type, pool.default_queue_id)


async def test_update_null_clears_description_and_limit(db: Database, now: datetime) -> None:
    pool = await make_pool(db, now, description="d", concurrency_limit=4)

    cleared = await update(db, now, name=pool.name, description=None, concurrency_limit=None)

    assert (cleared.description, cleared.concurrency_limit) == (None, None)


async def test_empty_update_touches_updated_only(db: Database, now: datetime) -> None:
    pool = await make_pool(db, now, description="d")
    later = now + timedelta(seconds=5)

    touched = await update(db, later, name=pool.name)

    assert touched.updated == later
    assert touched.model_dump(exclude={"updated"}) == pool.model_dump(exclude={"updated"})


async def test_update_unknown_pool_is_not_found(db: Database, now: datetime) -> None:
    with pytest.raises(NotFound):
        await update(db, now, name=unique("pool"), is_paused=True)


# --- delete ---------------------------------------------------------------------------------


async def test_delete_removes_the_pool_and_its_queues(db: Database, now: datetime) -> None:
    pool = await make_pool(db, now)
    await make_queue(db, now, pool.name)

    deleted = await write(db, delete_work_pool, DeleteWorkPool(name=pool.name), now=now)

    assert deleted.deleted is True
    assert await queues_of(db, pool.id) == 0
    with pytest.raises(NotFound):
        await pool_named(db, now, pool.name)
    async with db.reading() as uow:
        gone = await uow.connection.execute(
            sa.select(work_pool.c.id).where(work_pool.c.id == pool.id)
        )
        assert gone.first() is None


async def test_delete_unknown_pool_is_not_found(db: Database, now: datetime) -> None:
    with pytest.raises(NotFound):
        await write(db, delete_work_pool, DeleteWorkPool(name=unique("pool")), now=now)


async def test_delete_detaches_deployments_keeps_their_queue_name_and_announces_them(
    db: Database, now: datetime
) -> None:
    pool = await make_pool(db, now)
    flow = await make_flow(db, now)
    on_default = await make_deployment(db, flow.id, now, work_pool_name=pool.name)
    on_fast = await make_deployment(
        db, flow.id, now, work_pool_name=pool.name, work_queue_name="fast"
    )
    elsewhere = await make_deployment(
        db, flow.id, now, work_pool_name=(await make_pool(db, now)).name
    )
    later = now + timedelta(minutes=1)

    async with db.transaction() as uow:
        await delete_work_pool(DeleteWorkPool(name=pool.name), uow, now=later)
        announced = list(uow.events)
        await uow.commit()

    assert await deployment_queue(db, on_default.id) == (None, None)
    assert await deployment_queue(db, on_fast.id) == (None, "fast")
    fast = await read(db, read_deployment, ReadDeployment(id=on_fast.id), now=now)
    assert (fast.work_queue_id, fast.work_pool_name, fast.updated) == (None, None, later)
    untouched = await read(db, read_deployment, ReadDeployment(id=elsewhere.id), now=now)
    assert untouched.work_queue_id == elsewhere.work_queue_id
    assert untouched.updated == elsewhere.updated
    assert sorted(e.routing_key for e in announced) == ["deployment.updated"] * 2
    assert {e.type for e in announced} == {events.DEPLOYMENT_UPDATED}
    subjects = {orjson.loads(e.body)["subject"] for e in announced}
    assert subjects == {str(on_default.id), str(on_fast.id)}
    data = [orjson.loads(e.body)["data"] for e in announced]
    assert all(d["work_queue_id"] is None and d["work_pool_name"] is None for d in data)


async def test_delete_of_a_pool_nobody_uses_announces_nothing(db: Database, now: datetime) -> None:
    pool = await make_pool(db, now)

    async with db.transaction() as uow:
        await delete_work_pool(DeleteWorkPool(name=pool.name), uow, now=now)
        assert uow.events == []
        await uow.commit()


async def test_a_deleted_name_can_be_used_again(db: Database, now: datetime) -> None:
    first = await make_pool(db, now)
    await write(db, delete_work_pool, DeleteWorkPool(name=first.name), now=now)

    second = await make_pool(db, now, name=first.name)

    assert second.id != first.id
    assert (await queue_named(db, now, second.name, "default")).id == second.default_queue_id
