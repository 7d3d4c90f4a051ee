"""Exactly-once effect through the inbox (CONTRACT §6): a message_id handled again is not
applied again and gets the same reply; reused for something else, it is refused.

Twins go out through `Wire`, which keeps each reply's bytes; everything else through the client."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from typing import Any

import pytest

from deployq.client import Client
from deployq.storage.database import Database
from tests.e2e.database import deployment_rows
from tests.e2e.wire import Wire, check_reply
from tests.support import ok, refused, unique


@dataclass(frozen=True)
class Answer:
    """A checked reply: its bytes (to compare replies byte for byte) and its parsed body."""

    raw: bytes
    body: dict[str, Any]


async def answer(wire: Wire, command: str, correlation_id: str) -> Answer:
    message = await wire.reply(correlation_id)
    return Answer(
        message.body, check_reply(message, command=command, correlation_id=correlation_id)
    )


async def send(wire: Wire, command: str, body: dict[str, Any], message_id: str) -> Answer:
    return await answer(wire, command, await wire.publish(command, body, message_id=message_id))


async def send_together(
    wire: Wire, command: str, body: dict[str, Any], message_id: str, copies: int
) -> list[Answer]:
    """Publish `copies` twins at once, without waiting for any reply; exactly one reply each."""
    correlation_ids = await asyncio.gather(
        *(wire.publish(command, body, message_id=message_id) for _ in range(copies))
    )
    answers = [await answer(wire, command, c) for c in correlation_ids]
    await wire.assert_quiet(replies=dict.fromkeys(correlation_ids, 1), window=0.3)
    return answers


def reused(failure: dict[str, Any]) -> None:
    """The conflict's details say the message_id was reused."""
    assert failure["details"], failure
    (detail,) = failure["details"]
    assert detail["loc"] == ["message_id"]
    assert "reused" in f"{detail['msg']} {detail['type']}"


async def test_same_message_id_twice_in_a_row_is_applied_once(
    wire: Wire, client: Client, flow: dict[str, Any], db: Database
) -> None:
    name = unique("idem")
    body = {"flow_id": flow["id"], "name": name, "description": "once"}
    message_id = uuid.uuid4().hex

    first = await send(wire, "deployment.create", body, message_id)
    second = await send(wire, "deployment.create", body, message_id)

    assert second.raw == first.raw
    created = ok(first.body)
    assert created["outcome"] == "created"
    assert await deployment_rows(db, name) == 1
    stored = ok(await client.call("deployment.read", {"id": created["id"]}))
    assert stored["updated"] == created["updated"]


async def test_same_message_id_published_together_is_applied_once(
    wire: Wire, flow: dict[str, Any], db: Database
) -> None:
    name = unique("idem")
    body = {"flow_id": flow["id"], "name": name}

    replies = await send_together(wire, "deployment.create", body, uuid.uuid4().hex, copies=6)

    assert len({r.raw for r in replies}) == 1
    assert ok(replies[0].body)["outcome"] == "created"
    assert await deployment_rows(db, name) == 1


async def test_delete_published_twice_together_deletes_once(
    wire: Wire, client: Client, flow: dict[str, Any]
) -> None:
    created = ok(
        await client.call("deployment.create", {"flow_id": flow["id"], "name": unique("idem")})
    )

    replies = await send_together(
        wire, "deployment.delete", {"id": created["id"]}, uuid.uuid4().hex, copies=2
    )

    assert [r.body for r in replies] == [{"ok": True, "result": {"deleted": True}}] * 2
    refused(await client.call("deployment.read", {"id": created["id"]}), "not_found")


async def test_not_found_published_twice_together_gets_the_same_reply(wire: Wire) -> None:
    replies = await send_together(
        wire, "deployment.pause", {"id": str(uuid.uuid4())}, uuid.uuid4().hex, copies=3
    )

    assert len({r.raw for r in replies}) == 1
    refused(replies[0].body, "not_found")


async def test_reused_id_with_another_body_is_a_conflict(
    wire: Wire, client: Client, flow: dict[str, Any], db: Database
) -> None:
    message_id = uuid.uuid4().hex
    first_name, second_name = unique("idem"), unique("idem")
    first = await send(
        wire, "deployment.create", {"flow_id": flow["id"], "name": first_name}, message_id
    )

    reply = await client.call(
        "deployment.create", {"flow_id": flow["id"], "name": second_name}, message_id=message_id
    )

    reused(refused(reply, "conflict"))
    assert await deployment_rows(db, second_name) == 0
    again = await send(
        wire, "deployment.create", {"flow_id": flow["id"], "name": first_name}, message_id
    )
    assert again.raw == first.raw


async def test_reused_id_for_another_command_is_a_conflict(
    client: Client, flow: dict[str, Any]
) -> None:
    created = ok(
        await client.call("deployment.create", {"flow_id": flow["id"], "name": unique("idem")})
    )
    message_id = uuid.uuid4().hex
    ok(await client.call("flow.create", {"name": unique("flow")}, message_id=message_id))

    reply = await client.call("deployment.pause", {"id": created["id"]}, message_id=message_id)

    reused(refused(reply, "conflict"))
    assert ok(await client.call("deployment.read", {"id": created["id"]}))["paused"] is False


async def test_not_found_is_remembered_after_the_object_appears(
    wire: Wire, client: Client, flow: dict[str, Any]
) -> None:
    deployment_id = str(uuid.uuid4())
    message_id = uuid.uuid4().hex
    first = await send(wire, "deployment.pause", {"id": deployment_id}, message_id)
    refused(first.body, "not_found")
    ok(
        await client.call(
            "deployment.create",
            {"id": deployment_id, "flow_id": flow["id"], "name": unique("idem")},
        )
    )

    again = await send(wire, "deployment.pause", {"id": deployment_id}, message_id)

    assert again.raw == first.raw
    assert ok(await client.call("deployment.read", {"id": deployment_id}))["paused"] is False
    paused = ok(await client.call("deployment.pause", {"id": deployment_id}))
    assert paused["paused"] is True


async def test_not_found_flow_is_remembered_after_the_flow_is_created(
    wire: Wire, client: Client, db: Database
) -> None:
    flow_name, name = unique("flow"), unique("idem")
    body = {"flow_name": flow_name, "name": name}
    message_id = uuid.uuid4().hex
    first = await send(wire, "deployment.create", body, message_id)
    ok(await client.call("flow.create", {"name": flow_name}))

    again = await send(wire, "deployment.create", body, message_id)

    assert again.raw == first.raw
    refused(again.body, "not_found")
    assert await deployment_rows(db, name) == 0


async def test_expired_is_not_remembered(client: Client) -> None:
    name = unique("flow")
    message_id = uuid.uuid4().hex
    headers = {"deadline": "2001-01-01T00:00:00Z"}
    refused(
        await client.call("flow.create", {"name": name}, message_id=message_id, headers=headers),
        "expired",
    )

    created = ok(await client.call("flow.create", {"name": name}, message_id=message_id))

    assert created["name"] == name


async def test_validation_error_before_the_handler_is_not_remembered(
    client: Client, flow: dict[str, Any], db: Database
) -> None:
    name = unique("idem")
    message_id = uuid.uuid4().hex
    bad = {"flow_id": flow["id"], "name": name, "nmae": "typo"}
    refused(await client.call("deployment.create", bad, message_id=message_id), "validation_error")

    good = {"flow_id": flow["id"], "name": name}
    created = ok(await client.call("deployment.create", good, message_id=message_id))

    assert created["name"] == name
    assert await deployment_rows(db, name) == 1


@pytest.mark.parametrize(
    ("command", "body"),
    [
        ("system.ping", {}),
        ("deployment.list", {"limit": 1}),
        ("deployment.count", {}),
        ("flow.read", {"name": "no-such-flow-anywhere"}),
    ],
)
async def test_reads_need_no_message_id(wire: Wire, command: str, body: dict[str, Any]) -> None:
    reply = await wire.call(command, body, message_id=None)

    if command == "flow.read":
        refused(reply, "not_found")
    else:
        ok(reply)


async def test_reads_are_answered_afresh(client: Client, flow: dict[str, Any]) -> None:
    created = ok(
        await client.call("deployment.create", {"flow_id": flow["id"], "name": unique("idem")})
    )
    before = ok(await client.call("deployment.read", {"id": created["id"]}))
    ok(await client.call("deployment.pause", {"id": created["id"]}))

    after = ok(await client.call("deployment.read", {"id": created["id"]}))

    assert (before["paused"], after["paused"]) == (False, True)
