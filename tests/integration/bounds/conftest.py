"""The entities the bounds tests point their commands at, made once for the package."""

from __future__ import annotations

import pytest

from deployq.storage.database import Database
from tests.integration.bounds.support import World, send
from tests.support import ok, unique


@pytest.fixture(scope="package")
async def world(db: Database) -> World:
    flow_name, pool, queue = unique("flow"), unique("pool"), unique("queue")
    ok(await send(db, "flow.create", {"name": flow_name}))
    ok(await send(db, "work_pool.create", {"name": pool}))
    ok(await send(db, "work_queue.create", {"work_pool_name": pool, "name": queue}))
    body = {
        "flow_name": flow_name,
        "name": unique("dep"),
        "schedules": [{"schedule": {"interval": 3600}, "slug": "hourly"}],
    }
    dep = ok(await send(db, "deployment.create", body))
    return World(flow_name, dep["id"], dep["schedules"][0]["id"], pool, queue)
