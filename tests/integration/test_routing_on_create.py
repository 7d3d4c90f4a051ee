"""A new deployment routed to a work queue (R53), with pools and queues made by their own
commands: the pool and queue named, the pool's default queue, or the default pool (R2)."""

from __future__ import annotations

import asyncio
from datetime import datetime

import pytest

from deployq.errors import NotFound
from deployq.messages.work_pools import DEFAULT_POOL
from deployq.storage.database import Database
from tests.integration.builders import deployments_named, make_deployment, make_flow
from tests.integration.deployments_support import reread, without_outcome
from tests.integration.pools import (
    drop_default_pool,
    make_pool,
    make_queue,
    pool_count,
    pool_named,
    queue_count,
    queue_named,
    routed,
    stored_filter,
)
from tests.support import unique


async def test_create_pool_and_queue_uses_that_queue(db: Database, now: datetime) -> None:
    pool = await make_pool(db, now)
    fast = await make_queue(db, now, pool.name, name="fast")
    flow = await make_flow(db, now)

    created = await make_deployment(
        db, flow.id, now, work_pool_name=pool.name, work_queue_name="fast"
    )

    assert routed(created) == (pool.name, "fast", fast.id)
    assert (await reread(db, created.id, now)).model_dump() == without_outcome(created)


async def test_create_pool_and_missing_queue_creates_the_queue_in_that_pool(
    db: Database, now: datetime
) -> None:
    pool = await make_pool(db, now)
    flow = await make_flow(db, now)

    created = await make_deployment(
        db, flow.id, now, work_pool_name=pool.name, work_queue_name="new"
    )

    queue = await queue_named(db, now, pool.name, "new")
    assert routed(created) == (pool.name, "new", queue.id)
    assert (queue.priority, queue.is_paused, queue.description, queue.filter) == (
        1,
        False,
        "",
        None,
    )
    assert (await stored_filter(db, queue.id))[0]
    again = await make_deployment(db, flow.id, now, work_pool_name=pool.name, work_queue_name="new")
    assert again.work_queue_id == queue.id
    assert await queue_count(db, pool.name, "new") == 1


async def test_create_with_unknown_pool_is_not_found_and_leaves_nothing(
    db: Database, now: datetime
) -> None:
    flow = await make_flow(db, now)
    name, missing = unique("dep"), unique("pool")

    for fields in (
        {"work_pool_name": missing},
        {"work_pool_name": missing, "work_queue_name": "q"},
    ):
        with pytest.raises(NotFound, match=missing):
            await make_deployment(db, flow.id, now, name=name, **fields)

    assert await deployments_named(db, name) == 0
    assert await pool_count(db, missing) == 0


async def test_create_pool_only_uses_its_default_queue(db: Database, now: datetime) -> None:
    pool = await make_pool(db, now)
    await make_queue(db, now, pool.name, name="other", priority=1)
    flow = await make_flow(db, now)

    created = await make_deployment(db, flow.id, now, work_pool_name=pool.name)

    assert routed(created) == (pool.name, None, pool.default_queue_id)


async def test_create_queue_only_uses_the_default_pool(db: Database, now: datetime) -> None:
    flow = await make_flow(db, now)
    name = unique("queue")

    first = await make_deployment(db, flow.id, now, work_queue_name=name)
    second = await make_deployment(db, flow.id, now, work_queue_name=name)

    queue = await queue_named(db, now, None, name)
    assert routed(first) == routed(second) == (DEFAULT_POOL, name, queue.id)
    assert await queue_count(db, DEFAULT_POOL, name) == 1


async def test_create_queue_only_makes_the_default_pool_when_missing(
    db: Database, now: datetime
) -> None:
    await drop_default_pool(db, now)
    flow = await make_flow(db, now)
    name = unique("queue")

    created = await make_deployment(db, flow.id, now, work_queue_name=name)

    pool = await pool_named(db, now, DEFAULT_POOL)
    assert pool.type == "prefect-agent"
    assert (await queue_named(db, now, None, "default")).id == pool.default_queue_id
    assert routed(created) == (DEFAULT_POOL, name, (await queue_named(db, now, None, name)).id)


async def test_create_queue_named_default_only_is_the_default_pools_default_queue(
    db: Database, now: datetime
) -> None:
    flow = await make_flow(db, now)

    created = await make_deployment(db, flow.id, now, work_queue_name="default")

    pool = await pool_named(db, now, DEFAULT_POOL)
    assert routed(created) == (DEFAULT_POOL, "default", pool.default_queue_id)
    assert await queue_count(db, DEFAULT_POOL, "default") == 1


async def test_the_default_pool_named_explicitly_must_exist(db: Database, now: datetime) -> None:
    """Only a queue named *without* a pool makes the default pool (R2); a named pool must exist."""
    await drop_default_pool(db, now)
    flow = await make_flow(db, now)

    with pytest.raises(NotFound, match=DEFAULT_POOL):
        await make_deployment(db, flow.id, now, work_pool_name=DEFAULT_POOL, work_queue_name="q")

    assert await pool_count(db, DEFAULT_POOL) == 0


async def test_create_without_pool_or_queue_has_none(db: Database, now: datetime) -> None:
    flow = await make_flow(db, now)

    plain = await make_deployment(db, flow.id, now)
    nulls = await make_deployment(db, flow.id, now, work_pool_name=None, work_queue_name=None)

    assert routed(plain) == routed(nulls) == (None, None, None)


async def test_concurrent_creates_share_one_new_queue_and_one_default_pool(
    db: Database, now: datetime
) -> None:
    await drop_default_pool(db, now)
    flow = await make_flow(db, now)
    name = unique("queue")

    made = await asyncio.gather(
        *(make_deployment(db, flow.id, now, work_queue_name=name) for _ in range(4))
    )

    assert len({d.work_queue_id for d in made}) == 1
    assert await pool_count(db, DEFAULT_POOL) == 1
    assert await queue_count(db, DEFAULT_POOL, name) == 1
    assert await queue_count(db, DEFAULT_POOL, "default") == 1
