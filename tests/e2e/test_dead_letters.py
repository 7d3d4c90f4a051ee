"""`deployq dead-letters list | replay | purge` against the real broker (CONTRACT §9): listing
leaves every letter in place, a replayed letter is handled afresh (with its own message_id),
purging drops exactly what was asked."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import aio_pika
import orjson
import pytest

from deployq.client import Client
from deployq.consumers.topology import Topology
from deployq.deadletters import DeadLetter, DeadLetters
from deployq.settings import Settings
from tests.e2e.wire import Wire
from tests.support import ok, unique, wait_until
from tests.terminal import deployq
from tests.workers import running_worker


@pytest.fixture
async def own(settings: Settings, wire: Wire) -> AsyncIterator[Settings]:
    """A namespace of this test's own, with a worker on it (the session's dead letters are
    drained by the `wire` fixture)."""
    mine = settings.model_copy(
        update={"namespace": f"{settings.namespace}-dl-{uuid.uuid4().hex[:6]}"}
    )
    try:
        async with running_worker(mine):
            yield mine
    finally:
        await wire.delete_namespace(mine.namespace)


async def letters(wire: Wire, settings: Settings, count: int) -> list[DeadLetter]:
    dead = DeadLetters(wire.connection, Topology(settings.namespace))

    async def counted() -> tuple[list[DeadLetter]] | None:
        found = await dead.peek()
        return (found,) if len(found) == count else None  # a tuple: true even when empty

    seen = await wait_until(counted)
    assert seen is not None
    return seen[0]


async def bury(wire: Wire, settings: Settings, body: dict[str, str], message_id: str) -> None:
    """A flow.create as it lands after failing past its delivery limit (`internal`): good
    to replay once the cause is fixed."""
    letter = aio_pika.Message(
        orjson.dumps(body),
        content_type="application/json",
        message_id=message_id,
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        headers={"x-deployq-error-code": "internal", "x-deployq-error-message": "it broke"},
    )
    exchange = await wire.channel.get_exchange(f"{settings.namespace}.dead", ensure=False)
    await exchange.publish(letter, routing_key="flow.create")


async def test_list_replay_and_purge(own: Settings, wire: Wire) -> None:
    name, fixed, typo = unique("replayed"), unique("fixed"), unique("typo")
    async with await Client.connect(own.amqp_url, own.namespace) as client:
        await client.publish("flow.craete", {"name": name}, message_id=typo)
        await bury(wire, own, {"name": name}, fixed)
        await letters(wire, own, 2)

        for _ in range(2):  # listing takes nothing away
            listed = await deployq(own, "dead-letters", "list")
            assert listed.code == 0, listed
            assert len(listed.out.splitlines()) == 2
        assert f"flow.craete  message_id={typo}  unknown_command: no command is named" in listed.out
        assert f"flow.create  message_id={fixed}  internal: it broke" in listed.out
        assert (
            len((await deployq(own, "dead-letters", "list", "--limit", "1")).out.splitlines()) == 1
        )

        replayed = await deployq(own, "dead-letters", "replay", "--message-id", fixed)
        assert replayed.code == 0, replayed
        assert replayed.out == f"replayed flow.create message_id={fixed}\n"
        [left] = await letters(wire, own, 1)
        assert left.message_id == typo
        assert ok(await client.call("flow.read", {"name": name}))["name"] == name

        unknown = await deployq(own, "dead-letters", "replay", "--message-id", "no-such-id")
        assert unknown.code == 1
        assert unknown.lines[-1] == "deployq: no dead letter with message_id no-such-id"
        neither = await deployq(own, "dead-letters", "purge")
        assert neither.code == 2

        # Replayed again, the typo dies again: once, not in a loop.
        assert (await deployq(own, "dead-letters", "replay", "--all")).code == 0
        [again] = await letters(wire, own, 1)
        assert (again.message_id, again.code) == (typo, "unknown_command")

        purged = await deployq(own, "dead-letters", "purge", "--message-id", typo)
        assert purged.code == 0
        assert purged.out.startswith("1 dead letter(s) purged")
        assert await letters(wire, own, 0) == []


async def test_purge_all_and_a_letter_s_time(own: Settings, wire: Wire) -> None:
    async with await Client.connect(own.amqp_url, own.namespace) as client:
        for n in range(3):
            await client.publish("flow.create", orjson.dumps([n]), message_id=unique("bad"))
    found = await letters(wire, own, 3)
    assert all(letter.code == "invalid_message" and letter.time for letter in found)
    purged = await deployq(own, "dead-letters", "purge", "--all")
    assert purged.out.startswith("3 dead letter(s) purged")
    assert await letters(wire, own, 0) == []


async def test_a_namespace_without_a_dead_letter_queue_is_one_line(settings: Settings) -> None:
    nowhere = await deployq(settings, "dead-letters", "list", DEPLOYQ_NAMESPACE="nowhere-dl")
    assert nowhere.code == 4
    assert nowhere.lines == [
        "deployq: the broker has no queue nowhere-dl.commands.dead: is DEPLOYQ_NAMESPACE "
        "right, and has a worker started on it?"
    ]
