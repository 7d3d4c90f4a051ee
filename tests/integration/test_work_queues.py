"""Work queue commands against PostgreSQL (R3): create, read, list, update, delete, in a named
pool or in the default pool."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import uuid4

import orjson
import pytest

from deployq.errors import Conflict, NotFound
from deployq.handlers.deployments import read_deployment
from deployq.handlers.work_pools import delete_work_pool
from deployq.handlers.work_queues import delete_work_queue, read_work_queues, update_work_queue
from deployq.messages.deployments import ReadDeployment
from deployq.messages.work_pools import DEFAULT_POOL, DeleteWorkPool
from deployq.messages.work_queues import (
    DeleteWorkQueue,
    ListWorkQueues,
    QueueFilter,
    UpdateWorkQueue,
    WorkQueue,
)
from deployq.storage.database import Database
from tests.integration.builders import make_deployment, make_flow, read, write
from tests.integration.pools import (
    deployment_queue,
    make_pool,
    make_queue,
    pool_named,
    queue_named,
    stored_filter,
)
from tests.support import unique


async def update(db: Database, now: datetime, **body: Any) -> WorkQueue:
    return await write(db, update_work_queue, UpdateWorkQueue.model_validate(body), now=now)


async def delete(db: Database, now: datetime, **body: Any) -> bool:
    deleted = await write(db, delete_work_queue, DeleteWorkQueue.model_validate(body), now=now)
    return deleted.deleted


async def listed(db: Database, now: datetime, **body: Any) -> list[str]:
    page = await read(db, read_work_queues, ListWorkQueues.model_validate(body), now=now)
    return [q.name for q in page.items]


# --- create ---------------------------------------------------------------------------------


async def test_create_in_a_named_pool_has_the_defaults(db: Database, now: datetime) -> None:
    pool = await make_pool(db, now)

    queue = await make_queue(db, now, pool.name, name="fast")

    assert (queue.name, queue.work_pool_id, queue.work_pool_name) == ("fast", pool.id, pool.name)
    assert (queue.description, queue.is_paused, queue.priority) == ("", False, 1)
    assert (queue.concurrency_limit, queue.filter, queue.last_polled) == (None, None, None)
    assert queue.created == queue.updated == now
    assert (await stored_filter(db, queue.id))[0], "no filter given: stored as SQL NULL"
    assert await queue_named(db, now, pool.name, "fast") == queue


async def test_create_keeps_every_field_given(db: Database, now: datetime) -> None:
    pool = await make_pool(db, now)
    deployment_id = uuid4()

    queue = await make_queue(
        db,
        now,
        pool.name,
        description="gpu",
        is_paused=True,
        concurrency_limit=0,
        priority=7,
        filter={"tags": ["gpu"], "deployment_ids": [str(deployment_id)]},
    )

    assert (queue.description, queue.is_paused, queue.concurrency_limit) == ("gpu", True, 0)
    assert queue.priority == 7
    assert queue.filter == QueueFilter(tags=["gpu"], deployment_ids=[deployment_id])


async def test_filter_is_stored_with_both_keys(db: Database, now: datetime) -> None:
    pool = await make_pool(db, now)

    queue = await make_queue(db, now, pool.name, filter={"tags": ["a"]})

    assert await stored_filter(db, queue.id) == (False, {"tags": ["a"], "deployment_ids": None})
    assert queue.filter == QueueFilter(tags=["a"])


async def test_create_without_a_pool_lands_in_the_default_pool(db: Database, now: datetime) -> None:
    queue = await make_queue(db, now, None)

    default_pool = await pool_named(db, now, DEFAULT_POOL)
    assert (queue.work_pool_id, queue.work_pool_name) == (default_pool.id, DEFAULT_POOL)
    assert await queue_named(db, now, None, queue.name) == queue
    assert await queue_named(db, now, DEFAULT_POOL, queue.name) == queue


async def test_the_default_pool_is_created_on_demand(db: Database, now: datetime) -> None:
    """Deletes the shared default pool, so it can show being made again; every user of the
    default pool makes it when missing, so no other test depends on it surviving."""
    await make_queue(db, now, None)
    await write(db, delete_work_pool, DeleteWorkPool(name=DEFAULT_POOL), now=now)
    with pytest.raises(NotFound, match=DEFAULT_POOL):
        await pool_named(db, now, DEFAULT_POOL)

    queue = await make_queue(db, now, None)

    pool = await pool_named(db, now, DEFAULT_POOL)
    assert (pool.type, pool.created) == ("prefect-agent", now)
    assert queue.work_pool_id == pool.id
    assert (await queue_named(db, now, None, "default")).id == pool.default_queue_id


async def test_create_in_an_unknown_pool_is_not_found_and_creates_nothing(
    db: Database, now: datetime
) -> None:
    missing = unique("pool")

    with pytest.raises(NotFound, match=missing):
        await make_queue(db, now, missing)

    with pytest.raises(NotFound):
        await pool_named(db, now, missing)


async def test_duplicate_name_in_a_pool_is_a_conflict(db: Database, now: datetime) -> None:
    pool = await make_pool(db, now)
    first = await make_queue(db, now, pool.name, name="q", priority=3)

    with pytest.raises(Conflict, match="'q'"):
        await make_queue(db, now, pool.name, name="q", priority=9)

    assert await queue_named(db, now, pool.name, "q") == first


async def test_default_is_taken_in_every_pool(db: Database, now: datetime) -> None:
    pool = await make_pool(db, now)

    with pytest.raises(Conflict):
        await make_queue(db, now, pool.name, name="default")
    with pytest.raises(Conflict):
        await make_queue(db, now, None, name="default")


async def test_the_same_name_in_two_pools_is_two_queues(db: Database, now: datetime) -> None:
    one, two = await make_pool(db, now), await make_pool(db, now)

    a = await make_queue(db, now, one.name, name="shared")
    b = await make_queue(db, now, two.name, name="shared")

    assert a.id != b.id
    assert (await queue_named(db, now, two.name, "shared")).work_pool_name == two.name


# --- read and list --------------------------------------------------------------------------


async def test_read_unknown_queue_or_pool_is_not_found(db: Database, now: datetime) -> None:
    pool = await make_pool(db, now)

    with pytest.raises(NotFound, match="no queue named 'nope'"):
        await queue_named(db, now, pool.name, "nope")
    with pytest.raises(NotFound, match="work pool"):
        await queue_named(db, now, unique("pool"), "default")


async def test_list_is_ordered_by_priority_then_name(db: Database, now: datetime) -> None:
    pool = await make_pool(db, now)
    await make_queue(db, now, pool.name, name="b", priority=2)
    await make_queue(db, now, pool.name, name="a", priority=2)
    await make_queue(db, now, pool.name, name="z", priority=1)
    await make_queue(db, now, pool.name, name="first", priority=1)

    assert await listed(db, now, work_pool_name=pool.name) == ["default", "first", "z", "a", "b"]


async def test_list_filters_and_pages(db: Database, now: datetime) -> None:
    pool = await make_pool(db, now)
    gpu = await make_queue(db, now, pool.name, name="gpu-a")
    await make_queue(db, now, pool.name, name="gpu-b")
    await make_queue(db, now, pool.name, name="cpu")
    other = await make_pool(db, now)
    await make_queue(db, now, other.name, name="gpu-other")

    def given(**spec: Any) -> dict[str, Any]:
        return {"work_pool_name": pool.name, "work_queues": spec}

    assert await listed(db, now, **given(name={"startswith_": ["gpu"]})) == ["gpu-a", "gpu-b"]
    assert await listed(db, now, **given(name={"any_": ["cpu", "gpu-other"]})) == ["cpu"]
    assert await listed(db, now, **given(id={"any_": [str(gpu.id)]})) == ["gpu-a"]
    either = given(operator="or_", id={"any_": [str(gpu.id)]}, name={"any_": ["cpu"]})
    assert await listed(db, now, **either) == ["cpu", "gpu-a"]
    everything = ["cpu", "default", "gpu-a", "gpu-b"]
    assert await listed(db, now, work_pool_name=pool.name) == everything
    assert await listed(db, now, work_pool_name=pool.name, offset=1, limit=2) == everything[1:3]
    assert await listed(db, now, work_pool_name=pool.name, limit=0) == []


async def test_list_of_an_unknown_pool_is_not_found(db: Database, now: datetime) -> None:
    with pytest.raises(NotFound):
        await listed(db, now, work_pool_name=unique("pool"))


async def test_list_without_a_pool_lists_the_default_pool(db: Database, now: datetime) -> None:
    queue = await make_queue(db, now, None)

    assert queue.name in await listed(db, now)
    assert "default" in await listed(db, now)


# --- update ---------------------------------------------------------------------------------


async def test_update_changes_only_fields_given(db: Database, now: datetime) -> None:
    pool = await make_pool(db, now)
    queue = await make_queue(
        db, now, pool.name, description="d", priority=4, filter={"tags": ["a"]}
    )
    later = now + timedelta(minutes=1)

    paused = await update(db, later, work_pool_name=pool.name, name=queue.name, is_paused=True)

    assert (paused.is_paused, paused.updated) == (True, later)
    same = {"is_paused", "updated"}
    assert paused.model_dump(exclude=same) == queue.model_dump(exclude=same)


async def test_update_every_changeable_field(db: Database, now: datetime) -> None:
    pool = await make_pool(db, now)
    queue = await make_queue(db, now, pool.name)

    updated = await update(
        db,
        now,
        work_pool_name=pool.name,
        name=queue.name,
        description="new",
        is_paused=True,
        concurrency_limit=3,
        priority=5,
        filter={"tags": [], "deployment_ids": []},
    )

    assert (updated.description, updated.is_paused, updated.concurrency_limit) == ("new", True, 3)
    assert updated.priority == 5
    assert updated.filter == QueueFilter(tags=[], deployment_ids=[])
    assert (updated.id, updated.work_pool_name) == (queue.id, pool.name)


async def test_update_null_clears_limit_and_filter(db: Database, now: datetime) -> None:
    pool = await make_pool(db, now)
    queue = await make_queue(db, now, pool.name, concurrency_limit=2, filter={"tags": ["a"]})

    cleared = await update(
        db, now, work_pool_name=pool.name, name=queue.name, concurrency_limit=None, filter=None
    )

    assert (cleared.concurrency_limit, cleared.filter) == (None, None)
    assert await stored_filter(db, queue.id) == (True, None)


async def test_update_in_the_default_pool(db: Database, now: datetime) -> None:
    queue = await make_queue(db, now, None)

    updated = await update(db, now, name=queue.name, priority=3)

    assert (updated.id, updated.priority) == (queue.id, 3)


async def test_update_unknown_queue_or_pool_is_not_found(db: Database, now: datetime) -> None:
    pool = await make_pool(db, now)

    with pytest.raises(NotFound):
        await update(db, now, work_pool_name=pool.name, name="nope", priority=2)
    with pytest.raises(NotFound):
        await update(db, now, work_pool_name=unique("pool"), name="default", priority=2)


# --- delete ---------------------------------------------------------------------------------


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
