"""`work_queue.create` against PostgreSQL (R3), in a named pool or in the default pool."""

from __future__ import annotations

from datetime import datetime
from uuid import uuid4

import pytest

from deployq.errors import Conflict, NotFound
from deployq.handlers.work_pools import delete_work_pool
from deployq.messages.work_pools import DEFAULT_POOL, DeleteWorkPool
from deployq.messages.work_queues import QueueFilter
from deployq.storage.database import Database
from tests.integration.builders import write
from tests.integration.pools import make_pool, make_queue, pool_named, queue_named, stored_filter
from tests.support import unique


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
