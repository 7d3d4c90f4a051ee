"""The work pool commands over AMQP (CONTRACT §2–3): each one's success reply and its error
replies (`conflict`, `not_found`, `validation_error`), through the bundled client."""

from __future__ import annotations

import uuid

from deployq.client import Client
from tests.e2e.pools import new_deployment, new_pool
from tests.support import ok, refused, unique


async def test_work_pool_create_and_read(client: Client) -> None:
    name = unique("pool")

    created = ok(
        await client.call(
            "work_pool.create",
            {
                "name": name,
                "type": "process",
                "concurrency_limit": 2,
                "base_job_template": {"a": 1},
            },
        )
    )

    assert created["name"] == name
    assert (created["type"], created["concurrency_limit"]) == ("process", 2)
    assert (created["is_paused"], created["description"]) == (False, None)
    assert created["base_job_template"] == {"a": 1}
    uuid.UUID(created["default_queue_id"])
    assert ok(await client.call("work_pool.read", {"name": name})) == created


async def test_work_pool_create_errors(client: Client) -> None:
    pool = await new_pool(client)

    taken = refused(await client.call("work_pool.create", {"name": pool["name"]}), "conflict")
    assert pool["name"] in taken["message"]
    invalid = refused(
        await client.call("work_pool.create", {"name": unique("p"), "concurrency_limit": -1}),
        "validation_error",
    )
    assert [d["loc"] for d in invalid["details"]] == [["concurrency_limit"]]
    unknown = refused(
        await client.call("work_pool.create", {"name": unique("p"), "status": "READY"}),
        "validation_error",
    )
    assert [d["loc"] for d in unknown["details"]] == [["status"]]


async def test_work_pool_create_is_applied_once_per_message_id(client: Client) -> None:
    message_id = uuid.uuid4().hex
    body = {"name": unique("pool")}

    first = ok(await client.call("work_pool.create", body, message_id=message_id))
    again = ok(await client.call("work_pool.create", body, message_id=message_id))

    assert again == first


async def test_work_pool_read_errors(client: Client) -> None:
    refused(await client.call("work_pool.read", {"name": unique("pool")}), "not_found")
    refused(await client.call("work_pool.read", {}), "validation_error")


async def test_work_pool_list(client: Client) -> None:
    kind = unique("type")
    names = sorted([(await new_pool(client, type=kind))["name"] for _ in range(3)])

    page = ok(
        await client.call(
            "work_pool.list", {"work_pools": {"type": {"any_": [kind]}}, "offset": 1, "limit": 5}
        )
    )

    assert (page["offset"], page["limit"]) == (1, 5)
    assert [p["name"] for p in page["items"]] == names[1:]
    refused(await client.call("work_pool.list", {"limit": 201}), "validation_error")


async def test_work_pool_update(client: Client) -> None:
    pool = await new_pool(client, description="d")

    updated = ok(
        await client.call(
            "work_pool.update", {"name": pool["name"], "is_paused": True, "description": None}
        )
    )

    assert (updated["is_paused"], updated["description"], updated["id"]) == (True, None, pool["id"])
    refused(
        await client.call("work_pool.update", {"name": unique("pool"), "is_paused": True}),
        "not_found",
    )
    refused(
        await client.call("work_pool.update", {"name": pool["name"], "type": "k8s"}),
        "validation_error",
    )


async def test_work_pool_delete(client: Client) -> None:
    pool = await new_pool(client)
    deployment = await new_deployment(client, work_pool_name=pool["name"])

    assert ok(await client.call("work_pool.delete", {"name": pool["name"]})) == {"deleted": True}

    refused(await client.call("work_pool.read", {"name": pool["name"]}), "not_found")
    refused(await client.call("work_pool.delete", {"name": pool["name"]}), "not_found")
    after = ok(await client.call("deployment.read", {"id": deployment["id"]}))
    assert (after["work_pool_name"], after["work_queue_id"]) == (None, None)
