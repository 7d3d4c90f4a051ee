"""`work_pool.create`, `work_pool.read` and `work_pool.list` against PostgreSQL (R2)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from pydantic import ValidationError

from deployq.errors import Conflict, NotFound
from deployq.handlers.work_pools import read_work_pool, read_work_pools
from deployq.messages.work_pools import ListWorkPools, ReadWorkPool
from deployq.storage.database import Database
from tests.integration.builders import read
from tests.integration.pools import make_pool, pool_named, queue_named, queues_of, stored_filter
from tests.support import unique


async def names(db: Database, now: datetime, body: dict[str, Any]) -> list[str]:
    page = await read(db, read_work_pools, ListWorkPools.model_validate(body), now=now)
    return [p.name for p in page.items]


# --- create ---------------------------------------------------------------------------------


async def test_create_has_the_defaults_and_a_default_queue(db: Database, now: datetime) -> None:
    pool = await make_pool(db, now)

    assert pool.type == "prefect-agent"
    assert pool.description is None
    assert pool.is_paused is False
    assert pool.concurrency_limit is None
    assert pool.base_job_template == {}
    assert pool.created == pool.updated == now
    default = await queue_named(db, now, pool.name, "default")
    assert default.id == pool.default_queue_id
    assert default.work_pool_id == pool.id
    assert default.work_pool_name == pool.name
    assert default.priority == 1
    assert default.description == "The work pool's default queue."
    assert (await stored_filter(db, default.id))[0], "the default queue has no legacy filter"


async def test_create_keeps_every_field_given(db: Database, now: datetime) -> None:
    template = {"job_configuration": {"image": "{{ image }}"}, "variables": {"type": "object"}}

    pool = await make_pool(
        db,
        now,
        type="kubernetes",
        description="gpu nodes",
        is_paused=True,
        concurrency_limit=0,
        base_job_template=template,
    )

    assert (pool.type, pool.description, pool.is_paused) == ("kubernetes", "gpu nodes", True)
    assert pool.concurrency_limit == 0
    assert pool.base_job_template == template
    assert await pool_named(db, now, pool.name) == pool


async def test_duplicate_name_is_a_conflict_and_changes_nothing(
    db: Database, now: datetime
) -> None:
    first = await make_pool(db, now, description="first")

    with pytest.raises(Conflict, match=first.name):
        await make_pool(db, now, name=first.name, description="second")

    assert await pool_named(db, now, first.name) == first
    assert await queues_of(db, first.id) == 1


# --- read and list --------------------------------------------------------------------------


async def test_read_unknown_pool_is_not_found(db: Database, now: datetime) -> None:
    missing = unique("pool")
    with pytest.raises(NotFound, match=missing):
        await read(db, read_work_pool, ReadWorkPool(name=missing), now=now)


async def test_list_filters_by_name_id_and_type_sorted_by_name(db: Database, now: datetime) -> None:
    kind = unique("type")
    b = await make_pool(db, now, name=unique("b"), type=kind)
    a = await make_pool(db, now, name=unique("a"), type=kind)
    other = await make_pool(db, now, type=unique("type"))

    assert await names(db, now, {"work_pools": {"type": {"any_": [kind]}}}) == [a.name, b.name]
    by_name = {"work_pools": {"name": {"any_": [b.name, other.name, unique("none")]}}}
    assert await names(db, now, by_name) == sorted([b.name, other.name])
    by_id = {"work_pools": {"id": {"any_": [str(other.id)]}}}
    assert await names(db, now, by_id) == [other.name]
    either = {
        "work_pools": {"operator": "or_", "id": {"any_": [str(a.id)]}, "type": {"any_": [kind]}}
    }
    assert await names(db, now, either) == [a.name, b.name]
    both = {"work_pools": {"id": {"any_": [str(a.id)]}, "type": {"any_": [kind]}}}
    assert await names(db, now, both) == [a.name]


async def test_list_pages_with_offset_and_limit(db: Database, now: datetime) -> None:
    kind = unique("type")
    made = sorted([(await make_pool(db, now, type=kind)).name for _ in range(3)])
    scope = {"work_pools": {"type": {"any_": [kind]}}}

    assert await names(db, now, {**scope, "limit": 2}) == made[:2]
    assert await names(db, now, {**scope, "offset": 2, "limit": 2}) == made[2:]
    assert await names(db, now, {**scope, "limit": 0}) == []
    page = await read(db, read_work_pools, ListWorkPools.model_validate(scope), now=now)
    assert (page.offset, page.limit) == (0, 200)
    with pytest.raises(ValidationError):
        ListWorkPools.model_validate({"limit": 201})
