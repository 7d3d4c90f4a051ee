"""`work_queue.read`, `work_queue.list` and `work_queue.update` against PostgreSQL (R3)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from deployq.errors import NotFound
from deployq.handlers.work_queues import read_work_queues, update_work_queue
from deployq.messages.work_queues import ListWorkQueues, QueueFilter, UpdateWorkQueue, WorkQueue
from deployq.storage.database import Database
from tests.integration.builders import read, write
from tests.integration.pools import make_pool, make_queue, queue_named, stored_filter
from tests.support import unique


async def update(db: Database, now: datetime, **body: Any) -> WorkQueue:
    return await write(db, update_work_queue, UpdateWorkQueue.model_validate(body), now=now)


async def listed(db: Database, now: datetime, **body: Any) -> list[str]:
    page = await read(db, read_work_queues, ListWorkQueues.model_validate(body), now=now)
    return [q.name for q in page.items]


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
