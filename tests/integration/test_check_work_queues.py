"""deployment.work_queues, i.e. check_work_queues_for_deployment (R69a), on PostgreSQL.

A queue admits a deployment when (its filter's tags are `[]`, JSON null, or a subset of the
deployment's tags) AND (its filter's deployment_ids are `[]`, JSON null, or contain the
deployment's id). A queue without a filter is never returned. Other tests' queues may admit
every deployment too, so each test looks only at the queues of its own pool.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

import orjson
import pytest
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from deployq.errors import NotFound
from deployq.handlers.work_queues import update_work_queue
from deployq.messages.work_pools import WorkPool
from deployq.messages.work_queues import UpdateWorkQueue, WorkQueue
from deployq.storage.database import Database
from deployq.storage.tables import work_queue
from tests.integration.builders import make_deployment, make_flow, write
from tests.integration.pools import admitting, make_pool, make_queue

Filter = dict[str, Any] | None


async def deployment_with(db: Database, now: datetime, tags: list[str]) -> UUID:
    flow = await make_flow(db, now)
    return (await make_deployment(db, flow.id, now, tags=tags)).id


async def admitted(db: Database, now: datetime, pool: WorkPool, deployment_id: UUID) -> set[str]:
    """Names of this pool's queues that admit the deployment; duplicates fail the test."""
    found = await admitting(db, now, deployment_id)
    ids = [q.id for q in found]
    assert len(ids) == len(set(ids)), "a queue was returned twice"
    return {q.name for q in found if q.work_pool_id == pool.id}


async def queue_with(db: Database, now: datetime, pool: WorkPool, filter_: Filter) -> WorkQueue:
    return await make_queue(db, now, pool.name, filter=filter_)


# --- tags -----------------------------------------------------------------------------------

TAGS = ["a", "b"]


@pytest.mark.parametrize(
    ("queue_tags", "expected"),
    [
        ([], True),
        (None, True),
        (["a"], True),
        (["a", "b"], True),
        (["b", "a", "a"], True),
        (["c"], False),
        (["a", "c"], False),
    ],
    ids=["empty", "json null", "subset", "equal", "same set repeated", "other", "superset"],
)
async def test_tags(
    db: Database, now: datetime, queue_tags: list[str] | None, expected: bool
) -> None:
    pool = await make_pool(db, now)
    queue = await queue_with(db, now, pool, {"tags": queue_tags, "deployment_ids": []})
    deployment_id = await deployment_with(db, now, TAGS)

    assert (queue.name in await admitted(db, now, pool, deployment_id)) is expected


async def test_a_deployment_without_tags_needs_a_queue_without_tags(
    db: Database, now: datetime
) -> None:
    pool = await make_pool(db, now)
    empty = await queue_with(db, now, pool, {"tags": [], "deployment_ids": None})
    null = await queue_with(db, now, pool, {"tags": None, "deployment_ids": None})
    await queue_with(db, now, pool, {"tags": ["a"], "deployment_ids": None})
    deployment_id = await deployment_with(db, now, [])

    assert await admitted(db, now, pool, deployment_id) == {empty.name, null.name}


# --- deployment_ids -------------------------------------------------------------------------


async def test_deployment_ids(db: Database, now: datetime) -> None:
    pool = await make_pool(db, now)
    deployment_id = await deployment_with(db, now, TAGS)
    other = uuid4()
    listed = await queue_with(db, now, pool, {"tags": [], "deployment_ids": [str(deployment_id)]})
    among = await queue_with(
        db, now, pool, {"tags": [], "deployment_ids": [str(other), str(deployment_id)]}
    )
    empty = await queue_with(db, now, pool, {"tags": [], "deployment_ids": []})
    null = await queue_with(db, now, pool, {"tags": [], "deployment_ids": None})
    await queue_with(db, now, pool, {"tags": [], "deployment_ids": [str(other)]})

    assert await admitted(db, now, pool, deployment_id) == {
        listed.name,
        among.name,
        empty.name,
        null.name,
    }


async def test_both_conditions_must_hold(db: Database, now: datetime) -> None:
    pool = await make_pool(db, now)
    deployment_id = await deployment_with(db, now, TAGS)
    both = await queue_with(db, now, pool, {"tags": ["a"], "deployment_ids": [str(deployment_id)]})
    await queue_with(db, now, pool, {"tags": ["c"], "deployment_ids": [str(deployment_id)]})
    await queue_with(db, now, pool, {"tags": ["a"], "deployment_ids": [str(uuid4())]})

    assert await admitted(db, now, pool, deployment_id) == {both.name}


# --- queues without a filter ----------------------------------------------------------------


async def test_queues_without_a_filter_are_not_returned(db: Database, now: datetime) -> None:
    pool = await make_pool(db, now)
    await queue_with(db, now, pool, None)
    everything = await queue_with(db, now, pool, {})
    deployment_id = await deployment_with(db, now, TAGS)

    assert await admitted(db, now, pool, deployment_id) == {everything.name}
    assert "default" not in await admitted(db, now, pool, deployment_id)


async def test_a_filter_cleared_by_update_stops_admitting(db: Database, now: datetime) -> None:
    pool = await make_pool(db, now)
    queue = await queue_with(db, now, pool, {"tags": []})
    deployment_id = await deployment_with(db, now, TAGS)
    assert await admitted(db, now, pool, deployment_id) == {queue.name}

    command = UpdateWorkQueue(work_pool_name=pool.name, name=queue.name, filter=None)
    await write(db, update_work_queue, command, now=now)

    assert await admitted(db, now, pool, deployment_id) == set()


@pytest.mark.parametrize(
    "stored",
    [{"tags": []}, {"deployment_ids": []}, {}, "null"],
    ids=["no deployment_ids key", "no tags key", "empty object", "json null"],
)
async def test_a_stored_filter_missing_a_key_admits_nothing(
    db: Database, now: datetime, stored: dict[str, Any] | str
) -> None:
    """deployq always writes both keys; rows written otherwise (by hand, or by an older
    writer) behave as on the reference: `filter -> key` is SQL NULL, so nothing matches."""
    pool = await make_pool(db, now)
    queue = await queue_with(db, now, pool, None)
    text = stored if isinstance(stored, str) else orjson.dumps(stored).decode()
    async with db.transaction() as uow:
        await uow.connection.execute(
            sa.update(work_queue)
            .where(work_queue.c.id == queue.id)
            .values(filter=sa.cast(sa.literal(text, sa.Text), JSONB))
        )
        await uow.commit()
    deployment_id = await deployment_with(db, now, [])

    assert await admitted(db, now, pool, deployment_id) == set()


# --- across pools, unknown deployments ------------------------------------------------------


async def test_queues_of_every_pool_are_returned_each_once(db: Database, now: datetime) -> None:
    one, two = await make_pool(db, now), await make_pool(db, now)
    deployment_id = await deployment_with(db, now, TAGS)
    a = await queue_with(db, now, one, {"tags": ["a"], "deployment_ids": [str(deployment_id)]})
    b = await queue_with(db, now, two, {"tags": ["a", "b"], "deployment_ids": None})

    found = await admitting(db, now, deployment_id)

    mine = [q for q in found if q.work_pool_id in {one.id, two.id}]
    assert sorted((q.work_pool_name, q.name) for q in mine) == sorted(
        [(one.name, a.name), (two.name, b.name)]
    )
    assert [q.id for q in mine].count(a.id) == 1
    assert mine[0].filter is not None


async def test_unknown_deployment_is_not_found(db: Database, now: datetime) -> None:
    missing = uuid4()
    with pytest.raises(NotFound, match=str(missing)):
        await admitting(db, now, missing)
