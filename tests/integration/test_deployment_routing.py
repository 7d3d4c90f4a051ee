"""Deployments routed to work queues (R53, R56), filtered by them (R55) and passing them on to
their runs (R68), with pools and queues made by their own commands."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import orjson
import pytest
import sqlalchemy as sa

from deployq.errors import NotFound
from deployq.handlers.deployments import (
    count_deployments,
    create_deployment,
    read_deployment,
    read_deployments,
    update_deployment,
)
from deployq.handlers.runs import schedule_runs
from deployq.handlers.work_pools import delete_work_pool
from deployq.messages.deployments import (
    CountDeployments,
    CreateDeployment,
    Deployment,
    DeploymentUpserted,
    ListDeployments,
    ReadDeployment,
    UpdateDeployment,
)
from deployq.messages.runs import ScheduleRuns
from deployq.messages.work_pools import DEFAULT_POOL, DeleteWorkPool
from deployq.storage.database import Database
from deployq.storage.tables import flow_run
from tests.integration.builders import deployments_named, make_deployment, make_flow, read, write
from tests.integration.pools import (
    deployment_queue,
    make_pool,
    make_queue,
    pool_count,
    pool_named,
    queue_count,
    queue_named,
    stored_filter,
)
from tests.support import unique


async def reread(db: Database, deployment_id: UUID, now: datetime) -> Deployment:
    return await read(db, read_deployment, ReadDeployment(id=deployment_id), now=now)


async def update(db: Database, now: datetime, **body: Any) -> Deployment:
    return await write(db, update_deployment, UpdateDeployment.model_validate(body), now=now)


def without_outcome(result: DeploymentUpserted) -> dict[str, Any]:
    return result.model_dump(exclude={"outcome"})


def routed(d: Deployment) -> tuple[str | None, str | None, UUID | None]:
    return d.work_pool_name, d.work_queue_name, d.work_queue_id


async def drop_default_pool(db: Database, now: datetime) -> None:
    """The default pool is shared; every path that needs it makes it when missing."""
    if await pool_count(db, DEFAULT_POOL):
        await write(db, delete_work_pool, DeleteWorkPool(name=DEFAULT_POOL), now=now)


# --- R53 on create --------------------------------------------------------------------------


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


# --- R55: list and count through pools and queues made by their commands --------------------


async def test_list_and_count_filter_by_work_pool_and_work_queue(
    db: Database, now: datetime
) -> None:
    kind = unique("type")
    kube = await make_pool(db, now, type=kind)
    proc = await make_pool(db, now, type=unique("type"))
    flow = await make_flow(db, now)
    scope = {"flows": {"id": {"any_": [str(flow.id)]}}}
    made = {
        "kube-default": {"work_pool_name": kube.name},
        "kube-gpu": {"work_pool_name": kube.name, "work_queue_name": "gpu"},
        "proc-gpu": {"work_pool_name": proc.name, "work_queue_name": "gpu"},
        "legacy": {"work_queue_name": unique("legacy")},
        "nowhere": {},
    }
    ids = {
        name: (await make_deployment(db, flow.id, now, name=name, **fields)).work_queue_id
        for name, fields in made.items()
    }

    async def names(**groups: Any) -> list[str]:
        body = {**scope, **groups}
        page = await read(db, read_deployments, ListDeployments.model_validate(body), now=now)
        counted = await read(db, count_deployments, CountDeployments.model_validate(body), now=now)
        assert counted.count == len(page.items)
        return [d.name for d in page.items]

    assert await names(work_pools={"name": {"any_": [kube.name]}}) == ["kube-default", "kube-gpu"]
    assert await names(work_pools={"id": {"any_": [str(proc.id)]}}) == ["proc-gpu"]
    assert await names(work_pools={"type": {"any_": [kind]}}) == ["kube-default", "kube-gpu"]
    assert await names(work_pools={"name": {"any_": [DEFAULT_POOL]}}) == ["legacy"]
    assert await names(work_queues={"name": {"any_": ["gpu"]}}) == ["kube-gpu", "proc-gpu"]
    assert await names(work_queues={"name": {"startswith_": ["gp", "def"]}}) == [
        "kube-default",
        "kube-gpu",
        "proc-gpu",
    ]
    assert await names(work_queues={"id": {"any_": [str(ids["kube-gpu"])]}}) == ["kube-gpu"]
    both = {
        "work_pools": {"name": {"any_": [proc.name]}},
        "work_queues": {"name": {"any_": ["gpu"]}},
    }
    assert await names(**both) == ["proc-gpu"]
    assert await names(work_pools={}) == ["kube-default", "kube-gpu", "legacy", "proc-gpu"]

    await write(db, delete_work_pool, DeleteWorkPool(name=kube.name), now=now)

    assert await names(work_pools={"name": {"any_": [kube.name]}}) == []
    assert await names(work_pools={}) == ["legacy", "proc-gpu"]


# --- R68: runs carry the deployment's work queue --------------------------------------------


async def test_scheduled_runs_carry_the_work_queue_name_and_id(db: Database, now: datetime) -> None:
    pool = await make_pool(db, now)
    flow = await make_flow(db, now)
    schedule = [{"schedule": {"interval": 3600, "anchor_date": now.isoformat()}}]
    created = await make_deployment(
        db, flow.id, now, work_pool_name=pool.name, work_queue_name="q", schedules=schedule
    )
    plain = await make_deployment(db, flow.id, now, schedules=schedule)

    async def runs_of(deployment_id: UUID) -> set[tuple[str | None, UUID | None]]:
        command = ScheduleRuns(deployment_id=deployment_id, start_time=now + timedelta(seconds=1))
        made = await write(db, schedule_runs, command, now=now)
        assert made.run_ids
        async with db.reading() as uow:
            statement = sa.select(flow_run.c.work_queue_name, flow_run.c.work_queue_id).where(
                flow_run.c.id.in_(made.run_ids)
            )
            return {(r[0], r[1]) for r in await uow.connection.execute(statement)}

    assert await runs_of(created.id) == {("q", created.work_queue_id)}
    assert created.work_queue_id is not None
    assert await runs_of(plain.id) == {(None, None)}
