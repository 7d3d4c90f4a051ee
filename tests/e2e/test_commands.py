"""Every command of the deployment set, round-tripped over AMQP (CONTRACT §2–3) through the
bundled client, as an upstream service sends them.

The ping goes through `Wire.call`, which checks the reply's properties and envelope:
`correlation_id` copied, `content_type` application/json, `type` `<command>.reply`, header
`status`, and the body `{"ok": true, "result"}` or `{"ok": false, "error": {code, message,
details}}`; `ok` and `refused` check the client's replies' `status` header.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import sqlalchemy as sa

import deployq
from deployq.client import Client
from deployq.storage.database import Database
from tests.e2e.wire import Wire
from tests.support import ok, refused, unique


async def create_deployment(client: Client, flow: dict[str, Any], **fields: Any) -> dict[str, Any]:
    body = {"flow_name": flow["name"], "name": unique("dep"), **fields}
    created: dict[str, Any] = ok(await client.call("deployment.create", body))
    return created


async def test_ping_answers_version_and_schema_revision(wire: Wire, db: Database) -> None:
    async with db.engine.connect() as connection:
        revision = (
            await connection.execute(sa.text("SELECT version_num FROM alembic_version"))
        ).scalar_one()

    pong = ok(await wire.call("system.ping", {}))

    assert pong == {"version": deployq.__version__, "schema_revision": revision}


async def test_the_bundled_client_gets_the_same_reply_shape(client: Client) -> None:
    reply = await client.call("system.ping", {})

    assert reply.status == "ok"
    assert reply.type == "system.ping.reply"
    assert reply.ok
    assert reply.result["version"] == deployq.__version__


async def test_flow_create_then_read_by_id_and_by_name(client: Client) -> None:
    name = unique("flow")

    created = ok(
        await client.call("flow.create", {"name": name, "tags": ["a"], "labels": {"team": "x"}})
    )

    assert created["name"] == name
    assert created["tags"] == ["a"]
    assert created["labels"] == {"team": "x"}
    uuid.UUID(created["id"])
    assert ok(await client.call("flow.read", {"id": created["id"]})) == created
    assert ok(await client.call("flow.read", {"name": name})) == created


async def test_flow_create_upserts_by_name(client: Client) -> None:
    name = unique("flow")
    first = ok(await client.call("flow.create", {"name": name, "tags": ["a"]}))

    second = ok(await client.call("flow.create", {"name": name, "tags": ["b"]}))

    assert second["id"] == first["id"]
    assert second["tags"] == ["b"]
    assert ok(await client.call("flow.read", {"name": name}))["tags"] == ["b"]


async def test_deployment_create_then_read_and_read_by_name(
    client: Client, flow: dict[str, Any]
) -> None:
    name = unique("dep")

    created = ok(
        await client.call(
            "deployment.create",
            {
                "flow_name": flow["name"],
                "name": name,
                "description": "first",
                "tags": ["e2e"],
                "labels": {"team": "e2e"},
                "parameters": {"x": 1},
            },
        )
    )

    assert created["outcome"] == "created"
    assert created["name"] == name
    assert created["flow_id"] == flow["id"]
    assert created["description"] == "first"
    assert created["tags"] == ["e2e"]
    assert created["parameters"] == {"x": 1}
    assert created["paused"] is False
    assert created["schedules"] == []
    stored = {k: v for k, v in created.items() if k != "outcome"}
    assert ok(await client.call("deployment.read", {"id": created["id"]})) == stored
    by_name = await client.call(
        "deployment.read_by_name", {"flow_name": flow["name"], "deployment_name": name}
    )
    assert ok(by_name) == stored


async def test_deployment_create_upserts_on_flow_and_name(
    client: Client, flow: dict[str, Any]
) -> None:
    first = await create_deployment(client, flow, description="first", tags=["keep"])

    second = ok(
        await client.call(
            "deployment.create",
            {"flow_id": flow["id"], "name": first["name"], "description": "second"},
        )
    )

    assert second["outcome"] == "updated"
    assert second["id"] == first["id"]
    assert second["description"] == "second"
    assert second["tags"] == ["keep"]


async def test_deployment_list_and_count_with_filters_sort_and_paging(
    client: Client, flow: dict[str, Any]
) -> None:
    names = [f"{unique('dep')}-{n}" for n in ("a", "b", "c")]
    names.sort()
    for name in names:
        await create_deployment(client, flow, name=name)
    filters = {"flows": {"id": {"any_": [flow["id"]]}}}

    everything = ok(await client.call("deployment.list", filters))
    page = ok(
        await client.call(
            "deployment.list", {**filters, "sort": "NAME_DESC", "offset": 1, "limit": 1}
        )
    )
    counted = ok(await client.call("deployment.count", filters))

    assert [d["name"] for d in everything["items"]] == names
    assert (everything["offset"], everything["limit"]) == (0, 200)
    assert [d["name"] for d in page["items"]] == [names[1]]
    assert (page["offset"], page["limit"]) == (1, 1)
    assert counted == {"count": 3}


async def test_deployment_update_changes_only_the_fields_given(
    client: Client, flow: dict[str, Any]
) -> None:
    created = await create_deployment(
        client, flow, description="before", tags=["keep"], paused=True, version="1"
    )

    updated = ok(
        await client.call("deployment.update", {"id": created["id"], "description": "after"})
    )

    assert updated["description"] == "after"
    assert updated["tags"] == ["keep"]
    assert updated["paused"] is True
    assert updated["version"] == "1"
    assert updated["updated"] >= created["updated"]
    assert ok(await client.call("deployment.read", {"id": created["id"]})) == updated


async def test_deployment_pause_then_resume(client: Client, flow: dict[str, Any]) -> None:
    created = await create_deployment(client, flow)

    paused = ok(await client.call("deployment.pause", {"id": created["id"]}))
    paused_again = ok(await client.call("deployment.pause", {"id": created["id"]}))
    resumed = ok(await client.call("deployment.resume", {"id": created["id"]}))

    assert paused["paused"] is True
    assert paused_again["paused"] is True
    assert resumed["paused"] is False
    assert ok(await client.call("deployment.read", {"id": created["id"]}))["paused"] is False


async def test_deployment_delete_then_it_is_gone(client: Client, flow: dict[str, Any]) -> None:
    created = await create_deployment(client, flow)

    deleted = ok(await client.call("deployment.delete", {"id": created["id"]}))

    assert deleted == {"deleted": True}
    refused(await client.call("deployment.read", {"id": created["id"]}), "not_found")
    refused(await client.call("deployment.delete", {"id": created["id"]}), "not_found")


@pytest.mark.parametrize(
    ("command", "body"),
    [
        ("deployment.read", {"id": "7c0d3a0e-8a39-4f5e-9a59-8b1f0e0b3c11"}),
        ("deployment.update", {"id": "7c0d3a0e-8a39-4f5e-9a59-8b1f0e0b3c11", "version": "2"}),
        ("deployment.read_by_name", {"flow_name": "no-such-flow", "deployment_name": "x"}),
        ("flow.read", {"name": "no-such-flow-anywhere"}),
    ],
)
async def test_a_missing_object_gets_a_not_found_reply(
    client: Client, command: str, body: dict[str, Any]
) -> None:
    reply = await client.call(command, body)

    failure = refused(reply, "not_found")
    assert failure["details"] == []
