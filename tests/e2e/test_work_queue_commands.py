"""The work queue commands over AMQP (CONTRACT §2–3), and deployments routed to work queues:
each command's success reply and its error replies, through the bundled client."""

from __future__ import annotations

import uuid

from deployq.client import Client
from tests.e2e.pools import new_deployment, new_pool
from tests.support import ok, refused, unique

# --- work_queue.* ---------------------------------------------------------------------------


async def test_work_queue_create_and_read(client: Client) -> None:
    pool = await new_pool(client)
    body = {"work_pool_name": pool["name"], "name": "gpu", "priority": 2, "filter": {"tags": ["x"]}}

    created = ok(await client.call("work_queue.create", body))

    assert (created["name"], created["work_pool_name"]) == ("gpu", pool["name"])
    assert created["work_pool_id"] == pool["id"]
    assert (created["priority"], created["description"]) == (2, "")
    assert created["filter"] == {"tags": ["x"], "deployment_ids": None}
    read = ok(await client.call("work_queue.read", {"work_pool_name": pool["name"], "name": "gpu"}))
    assert read == created


async def test_work_queue_create_without_a_pool_uses_the_default_pool(client: Client) -> None:
    name = unique("queue")

    created = ok(await client.call("work_queue.create", {"name": name}))

    assert created["work_pool_name"] == "default-agent-pool"
    assert ok(await client.call("work_queue.read", {"name": name})) == created


async def test_work_queue_create_errors(client: Client) -> None:
    pool = await new_pool(client)

    refused(
        await client.call("work_queue.create", {"work_pool_name": pool["name"], "name": "default"}),
        "conflict",
    )
    missing = unique("pool")
    gone = refused(
        await client.call("work_queue.create", {"work_pool_name": missing, "name": "q"}),
        "not_found",
    )
    assert missing in gone["message"]
    invalid = refused(
        await client.call(
            "work_queue.create", {"work_pool_name": pool["name"], "name": "q", "priority": 0}
        ),
        "validation_error",
    )
    assert [d["loc"] for d in invalid["details"]] == [["priority"]]


async def test_work_queue_read_errors(client: Client) -> None:
    pool = await new_pool(client)

    refused(
        await client.call("work_queue.read", {"work_pool_name": pool["name"], "name": "nope"}),
        "not_found",
    )
    refused(
        await client.call("work_queue.read", {"work_pool_name": unique("pool"), "name": "q"}),
        "not_found",
    )
    refused(
        await client.call("work_queue.read", {"work_pool_name": pool["name"]}), "validation_error"
    )


async def test_work_queue_list(client: Client) -> None:
    pool = await new_pool(client)
    for name, priority in (("b", 1), ("a", 2)):
        body = {"work_pool_name": pool["name"], "name": name, "priority": priority}
        ok(await client.call("work_queue.create", body))

    page = ok(await client.call("work_queue.list", {"work_pool_name": pool["name"]}))
    filtered = ok(
        await client.call(
            "work_queue.list",
            {"work_pool_name": pool["name"], "work_queues": {"name": {"any_": ["a"]}}},
        )
    )

    assert [q["name"] for q in page["items"]] == ["b", "default", "a"]
    assert [q["name"] for q in filtered["items"]] == ["a"]
    refused(await client.call("work_queue.list", {"work_pool_name": unique("pool")}), "not_found")
    refused(
        await client.call("work_queue.list", {"work_pool_name": pool["name"], "limit": -1}),
        "validation_error",
    )


async def test_work_queue_update(client: Client) -> None:
    pool = await new_pool(client)
    address = {"work_pool_name": pool["name"], "name": "default"}

    updated = ok(
        await client.call("work_queue.update", {**address, "is_paused": True, "filter": {}})
    )

    assert (updated["is_paused"], updated["id"]) == (True, pool["default_queue_id"])
    assert updated["filter"] == {"tags": None, "deployment_ids": None}
    cleared = ok(await client.call("work_queue.update", {**address, "filter": None}))
    assert cleared["filter"] is None
    refused(
        await client.call(
            "work_queue.update", {"work_pool_name": pool["name"], "name": "nope", "priority": 2}
        ),
        "not_found",
    )
    refused(
        await client.call("work_queue.update", {**address, "priority": None}), "validation_error"
    )


async def test_work_queue_delete(client: Client) -> None:
    pool = await new_pool(client)
    address = {"work_pool_name": pool["name"], "name": "q"}
    ok(await client.call("work_queue.create", address))

    assert ok(await client.call("work_queue.delete", address)) == {"deleted": True}

    refused(await client.call("work_queue.delete", address), "not_found")
    default = {"work_pool_name": pool["name"], "name": "default"}
    failure = refused(await client.call("work_queue.delete", default), "conflict")
    assert "default queue" in failure["message"]


# --- deployments and their queues -----------------------------------------------------------


async def test_deployment_create_and_update_are_routed(client: Client) -> None:
    pool = await new_pool(client)

    created = await new_deployment(client, work_pool_name=pool["name"], work_queue_name="fast")
    fast = ok(
        await client.call("work_queue.read", {"work_pool_name": pool["name"], "name": "fast"})
    )
    moved = ok(
        await client.call("deployment.update", {"id": created["id"], "work_pool_name": None})
    )

    assert (created["work_pool_name"], created["work_queue_name"]) == (pool["name"], "fast")
    assert created["work_queue_id"] == fast["id"]
    assert (moved["work_pool_name"], moved["work_queue_name"], moved["work_queue_id"]) == (
        None,
        "fast",
        None,
    )
    flow = ok(await client.call("flow.create", {"name": unique("flow")}))
    refused(
        await client.call(
            "deployment.create",
            {"flow_id": flow["id"], "name": "d", "work_pool_name": unique("pool")},
        ),
        "not_found",
    )


async def test_deployment_work_queues(client: Client) -> None:
    pool = await new_pool(client)
    deployment = await new_deployment(client, tags=["a", "b"])
    for name, filter_ in (
        ("admits", {"tags": ["a"], "deployment_ids": [deployment["id"]]}),
        ("refuses", {"tags": ["c"]}),
        ("unfiltered", None),
    ):
        body = {"work_pool_name": pool["name"], "name": name, "filter": filter_}
        ok(await client.call("work_queue.create", body))

    found = ok(await client.call("deployment.work_queues", {"deployment_id": deployment["id"]}))

    assert [q["name"] for q in found if q["work_pool_id"] == pool["id"]] == ["admits"]
    refused(
        await client.call("deployment.work_queues", {"deployment_id": str(uuid.uuid4())}),
        "not_found",
    )
    refused(await client.call("deployment.work_queues", {"deployment_id": "x"}), "validation_error")
