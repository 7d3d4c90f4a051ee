"""A deployment routed again when it changes: on the upsert path (R51, R53) and on update (R53,
R56), with pools and queues made by their own commands."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import orjson
import pytest

from deployq.errors import NotFound
from deployq.handlers.deployments import create_deployment
from deployq.messages.deployments import CreateDeployment, DeploymentUpserted
from deployq.messages.work_pools import DEFAULT_POOL
from deployq.storage.database import Database
from tests.integration.builders import make_deployment, make_flow
from tests.integration.deployments_support import reread, update, without_outcome
from tests.integration.pools import deployment_queue, make_pool, queue_count, queue_named, routed
from tests.support import unique

# --- R53 on the upsert path (R51) -----------------------------------------------------------


async def test_upsert_without_pool_or_queue_keeps_the_queue_and_names_the_pool(
    db: Database, now: datetime
) -> None:
    pool = await make_pool(db, now)
    flow = await make_flow(db, now)
    name = unique("dep")
    first = await make_deployment(
        db, flow.id, now, name=name, work_pool_name=pool.name, work_queue_name="q"
    )

    second = await make_deployment(db, flow.id, now, name=name, description="again")

    assert second.outcome == "updated"
    assert routed(second) == routed(first) == (pool.name, "q", first.work_queue_id)
    assert (await reread(db, first.id, now)).model_dump() == without_outcome(second)


async def test_upsert_moves_to_the_pool_and_queue_given(db: Database, now: datetime) -> None:
    old, new = await make_pool(db, now), await make_pool(db, now)
    flow = await make_flow(db, now)
    name = unique("dep")
    await make_deployment(db, flow.id, now, name=name, work_pool_name=old.name, work_queue_name="q")

    moved = await make_deployment(db, flow.id, now, name=name, work_pool_name=new.name)

    assert routed(moved) == (new.name, "q", new.default_queue_id)
    assert routed(await reread(db, moved.id, now)) == routed(moved)


async def test_upsert_with_null_pool_detaches(db: Database, now: datetime) -> None:
    pool = await make_pool(db, now)
    flow = await make_flow(db, now)
    name = unique("dep")
    await make_deployment(db, flow.id, now, name=name, work_pool_name=pool.name)

    detached = await make_deployment(db, flow.id, now, name=name, work_pool_name=None)

    assert routed(detached) == (None, None, None)


async def test_upsert_with_unknown_pool_changes_nothing(db: Database, now: datetime) -> None:
    pool = await make_pool(db, now)
    flow = await make_flow(db, now)
    name = unique("dep")
    first = await make_deployment(
        db, flow.id, now, name=name, work_pool_name=pool.name, description="first"
    )

    with pytest.raises(NotFound):
        await make_deployment(
            db, flow.id, now, name=name, work_pool_name=unique("pool"), description="second"
        )

    stored = await reread(db, first.id, now)
    assert (stored.description, *routed(stored)) == ("first", *routed(first))


async def test_create_reply_and_event_name_the_pool(db: Database, now: datetime) -> None:
    pool = await make_pool(db, now)
    flow = await make_flow(db, now)
    body = {"name": unique("dep"), "flow_id": flow.id, "work_pool_name": pool.name}

    async with db.transaction() as uow:
        reply: DeploymentUpserted = await create_deployment(
            CreateDeployment.model_validate(body), uow, now=now
        )
        [event] = uow.events
        await uow.commit()

    data = orjson.loads(event.body)["data"]
    assert reply.work_pool_name == data["work_pool_name"] == pool.name
    assert reply.work_queue_id == UUID(data["work_queue_id"]) == pool.default_queue_id
    assert "work_pool_name" in reply.model_dump()


# --- R53 and R56 on update ------------------------------------------------------------------


async def test_update_pool_and_queue(db: Database, now: datetime) -> None:
    pool = await make_pool(db, now)
    flow = await make_flow(db, now)
    created = await make_deployment(db, flow.id, now)

    updated = await update(db, now, id=created.id, work_pool_name=pool.name, work_queue_name="q")

    queue = await queue_named(db, now, pool.name, "q")
    assert routed(updated) == (pool.name, "q", queue.id)
    assert updated == await reread(db, created.id, now)


async def test_update_pool_only_keeps_the_stored_queue_name(db: Database, now: datetime) -> None:
    old, new = await make_pool(db, now), await make_pool(db, now)
    flow = await make_flow(db, now)
    created = await make_deployment(
        db, flow.id, now, work_pool_name=old.name, work_queue_name="fast"
    )

    updated = await update(db, now, id=created.id, work_pool_name=new.name)

    assert routed(updated) == (new.name, "fast", new.default_queue_id)


async def test_update_pool_with_null_queue_uses_the_default_queue(
    db: Database, now: datetime
) -> None:
    pool = await make_pool(db, now)
    flow = await make_flow(db, now)
    created = await make_deployment(db, flow.id, now, work_queue_name=unique("queue"))

    updated = await update(db, now, id=created.id, work_pool_name=pool.name, work_queue_name=None)

    assert routed(updated) == (pool.name, None, pool.default_queue_id)


async def test_update_queue_only_uses_the_default_pool(db: Database, now: datetime) -> None:
    pool = await make_pool(db, now)
    flow = await make_flow(db, now)
    created = await make_deployment(db, flow.id, now, work_pool_name=pool.name)
    name = unique("queue")

    updated = await update(db, now, id=created.id, work_queue_name=name)

    queue = await queue_named(db, now, None, name)
    assert routed(updated) == (DEFAULT_POOL, name, queue.id)


async def test_r56_null_pool_clears_the_queue_id_and_keeps_the_name(
    db: Database, now: datetime
) -> None:
    pool = await make_pool(db, now)
    flow = await make_flow(db, now)
    created = await make_deployment(db, flow.id, now, work_pool_name=pool.name, work_queue_name="q")

    updated = await update(db, now, id=created.id, work_pool_name=None)

    assert routed(updated) == (None, "q", None)
    assert await deployment_queue(db, created.id) == (None, "q")


async def test_r56_null_pool_wins_over_a_queue_name(db: Database, now: datetime) -> None:
    pool = await make_pool(db, now)
    flow = await make_flow(db, now)
    created = await make_deployment(db, flow.id, now, work_pool_name=pool.name)
    name = unique("queue")

    updated = await update(db, now, id=created.id, work_pool_name=None, work_queue_name=name)

    assert routed(updated) == (None, name, None)
    assert await queue_count(db, DEFAULT_POOL, name) == 0


async def test_update_null_queue_name_alone_keeps_the_queue_id(db: Database, now: datetime) -> None:
    pool = await make_pool(db, now)
    flow = await make_flow(db, now)
    created = await make_deployment(db, flow.id, now, work_pool_name=pool.name, work_queue_name="q")

    updated = await update(db, now, id=created.id, work_queue_name=None)

    assert routed(updated) == (pool.name, None, created.work_queue_id)


async def test_update_without_pool_or_queue_keeps_both(db: Database, now: datetime) -> None:
    pool = await make_pool(db, now)
    flow = await make_flow(db, now)
    created = await make_deployment(db, flow.id, now, work_pool_name=pool.name, work_queue_name="q")

    updated = await update(db, now, id=created.id, description="x")

    assert routed(updated) == routed(created)


async def test_update_with_unknown_pool_is_not_found_and_changes_nothing(
    db: Database, now: datetime
) -> None:
    pool = await make_pool(db, now)
    flow = await make_flow(db, now)
    created = await make_deployment(db, flow.id, now, work_pool_name=pool.name, description="d")
    missing = unique("pool")

    with pytest.raises(NotFound, match=missing):
        await update(
            db, now, id=created.id, work_pool_name=missing, work_queue_name="q", description="e"
        )

    stored = await reread(db, created.id, now)
    assert (stored.description, *routed(stored)) == ("d", *routed(created))
    assert stored.model_dump() == without_outcome(created)
