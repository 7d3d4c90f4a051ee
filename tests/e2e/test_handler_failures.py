"""A handler that fails with real services: retried to the delivery limit, then answered
`internal` and dead-lettered once; a dead letter republished; a failure that stops
(CONTRACT §3 `internal`, §5, §6)."""

from __future__ import annotations

import uuid
from typing import Any

import aio_pika
import orjson
import pytest
from aio_pika.abc import AbstractIncomingMessage

from deployq.settings import Settings
from deployq.storage.database import Database
from tests.e2e.database import deployment_rows, deployment_trigger, trigger_calls
from tests.e2e.wire import Wire, check_reply, header, ping
from tests.support import ok, refused, unique, wait_until

pytestmark = pytest.mark.slow

REFUSE = "RAISE EXCEPTION 'e2e refuses deployment %', NEW.name;"


async def republish(wire: Wire, letter: AbstractIncomingMessage) -> None:
    """Publish a dead letter again as it is, as an operator would once its cause is gone."""
    message = aio_pika.Message(
        letter.body,
        headers=dict(letter.headers or {}),
        content_type=letter.content_type,
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        message_id=letter.message_id,
        correlation_id=letter.correlation_id,
        reply_to=letter.reply_to,
    )
    exchange = await wire.channel.get_exchange(f"{wire.namespace}.commands", ensure=False)
    await exchange.publish(message, routing_key=letter.routing_key or "")


@pytest.mark.parametrize("reply", [True, False], ids=["with reply_to", "fire-and-forget"])
async def test_unexpected_failure_is_retried_to_the_limit_then_answered_once(
    wire: Wire, flow: dict[str, Any], db: Database, settings: Settings, reply: bool
) -> None:
    prefix = unique("boom")
    name = f"{prefix}-dep"
    body = orjson.dumps({"flow_id": flow["id"], "name": name})
    message_id = uuid.uuid4().hex
    async with deployment_trigger(db.engine, prefix, REFUSE) as trigger:
        correlation_id = await wire.publish(
            "deployment.create", body, message_id=message_id, reply=reply
        )

        letter = await wire.dead_letter(message_id, within=30)
        if reply:
            answer = check_reply(
                await wire.reply(correlation_id),
                command="deployment.create",
                correlation_id=correlation_id,
            )
            failure = refused(answer, "internal")
            assert header(letter, "x-deployq-error-message") == failure["message"]
        await wire.assert_quiet(
            replies={correlation_id: 1 if reply else 0}, dead={message_id: 1}, window=1.0
        )
        attempts = await trigger_calls(db.engine, trigger)

    assert header(letter, "x-deployq-error-code") == "internal"
    assert letter.body == body
    assert letter.correlation_id == correlation_id
    assert letter.message_id == message_id
    assert letter.routing_key == "deployment.create"
    assert attempts == settings.delivery_limit
    assert await deployment_rows(db, prefix) == 0
    await ping(wire)


async def test_dead_letter_republished_after_the_fix_is_applied_once(
    wire: Wire, flow: dict[str, Any], db: Database
) -> None:
    """CONTRACT §5: an operator can re-publish a dead letter as it is, once the cause is gone."""
    prefix = unique("fixed")
    message_id = uuid.uuid4().hex
    async with deployment_trigger(db.engine, prefix, REFUSE):
        correlation_id = await wire.publish(
            "deployment.create",
            {"flow_id": flow["id"], "name": f"{prefix}-dep"},
            message_id=message_id,
        )
        letter = await wire.dead_letter(message_id, within=30)
        await wire.reply(correlation_id)
        refused(reply_body(wire, correlation_id, 0), "internal")

    await republish(wire, letter)

    async def second_reply() -> bool:
        return len(wire.replies[correlation_id]) == 2

    await wait_until(second_reply, timeout=30)
    assert ok(reply_body(wire, correlation_id, 1))["outcome"] == "created"
    await wire.assert_quiet(replies={correlation_id: 2}, dead={message_id: 1}, window=0.5)
    assert await deployment_rows(db, prefix) == 1


async def test_republished_dead_letter_gets_the_whole_delivery_limit(
    wire: Wire, flow: dict[str, Any], db: Database, settings: Settings
) -> None:
    prefix = unique("again")
    message_id = uuid.uuid4().hex
    async with deployment_trigger(db.engine, prefix, REFUSE) as trigger:
        await wire.publish(
            "deployment.create",
            {"flow_id": flow["id"], "name": f"{prefix}-dep"},
            message_id=message_id,
            reply=False,
        )
        letter = await wire.dead_letter(message_id, within=30)
        first_round = await trigger_calls(db.engine, trigger)

        await republish(wire, letter)

        async def dead_again() -> bool:
            return len(wire.dead_letters(message_id)) == 2

        await wait_until(dead_again, timeout=30)
        second_round = await trigger_calls(db.engine, trigger) - first_round

    assert first_round == settings.delivery_limit
    assert second_round == settings.delivery_limit


def reply_body(wire: Wire, correlation_id: str, index: int) -> dict[str, Any]:
    """The checked body of the `index`-th reply already received for `correlation_id`."""
    message = wire.replies[correlation_id][index]
    return check_reply(message, command="deployment.create", correlation_id=correlation_id)


async def test_failure_that_stops_is_applied_once_and_answered_ok(
    wire: Wire, flow: dict[str, Any], db: Database
) -> None:
    """Fails on the first two deliveries only: the third attempt applies it, one reply."""
    prefix = unique("flaky")
    fail_twice = (
        "IF currval((TG_NAME || '_calls')::regclass) <= 2 THEN "
        "RAISE EXCEPTION 'e2e flaky %', NEW.name; END IF;"
    )
    async with deployment_trigger(db.engine, prefix, fail_twice) as trigger:
        correlation_id = await wire.publish(
            "deployment.create",
            {"flow_id": flow["id"], "name": f"{prefix}-dep"},
            message_id=uuid.uuid4().hex,
        )
        answer = check_reply(
            await wire.reply(correlation_id, within=30),
            command="deployment.create",
            correlation_id=correlation_id,
        )
        await wire.assert_quiet(replies={correlation_id: 1}, dead={correlation_id: 0}, window=0.5)
        attempts = await trigger_calls(db.engine, trigger)

    assert ok(answer)["outcome"] == "created"
    assert attempts == 3
    assert await deployment_rows(db, prefix) == 1
