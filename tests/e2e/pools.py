"""Work pools and deployments made over AMQP through the bundled client."""

from __future__ import annotations

from typing import Any

from deployq.client import Client
from tests.support import ok, unique


async def new_pool(client: Client, **fields: Any) -> dict[str, Any]:
    pool: dict[str, Any] = ok(
        await client.call("work_pool.create", {"name": unique("pool"), **fields})
    )
    return pool


async def new_deployment(client: Client, **fields: Any) -> dict[str, Any]:
    flow = ok(await client.call("flow.create", {"name": unique("flow")}))
    body = {"flow_id": flow["id"], "name": unique("dep"), **fields}
    created: dict[str, Any] = ok(await client.call("deployment.create", body))
    return created
