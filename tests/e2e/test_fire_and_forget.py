"""Commands without `reply_to` over the wire (CONTRACT §3, §5): a failure is dead-lettered
unchanged, a success is applied and not dead-lettered, and a dead letter keeps no message_id it
never had."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest

from tests.e2e.bad_input import MISSING
from tests.e2e.wire import Wire, header, ping
from tests.support import unique, wait_until

FIRE_AND_FORGET = {
    "not_found from the handler": ("deployment.read", {"id": MISSING}, "not_found", {}),
    "validation_error": ("deployment.read", {"id": MISSING, "idd": 1}, "validation_error", {}),
    "missing_message_id": ("flow.create", {"name": "never"}, "missing_message_id", {}),
    "expired": ("system.ping", {}, "expired", {"deadline": "2001-01-01T00:00:00Z"}),
    "unknown_command": ("deployment.explode", {}, "unknown_command", {}),
    "invalid_message": ("system.ping", {}, "invalid_message", {"deadline": "soon"}),
}


@pytest.mark.parametrize(
    ("command", "body", "code", "headers"),
    list(FIRE_AND_FORGET.values()),
    ids=list(FIRE_AND_FORGET),
)
async def test_failure_without_reply_to_is_dead_lettered_unchanged(
    wire: Wire, command: str, body: dict[str, Any], code: str, headers: dict[str, Any]
) -> None:
    message_id = None if code == "missing_message_id" else uuid.uuid4().hex
    correlation_id = uuid.uuid4().hex
    sent = orjson.dumps(body)
    stamp = datetime.now(UTC).replace(microsecond=0)

    await wire.publish(
        command,
        sent,
        message_id=message_id,
        correlation_id=correlation_id,
        reply=False,
        headers={"x-trace": "trace-1", **headers},
        type=command,
        app_id="e2e-tests",
        priority=3,
        timestamp=stamp,
    )

    letter = await wire.dead_letter(correlation_id)
    assert header(letter, "x-deployq-error-code") == code
    assert header(letter, "x-deployq-error-message")
    assert letter.body == sent
    assert letter.routing_key == command
    if message_id is not None:
        assert letter.message_id == message_id
    assert letter.correlation_id == correlation_id
    assert letter.content_type == "application/json"
    assert letter.type == command
    assert letter.app_id == "e2e-tests"
    assert letter.priority == 3
    assert letter.timestamp == stamp
    assert letter.reply_to is None
    assert header(letter, "x-trace") == "trace-1"
    for name, value in headers.items():
        assert header(letter, name) == value
    await ping(wire)
    await wire.assert_quiet(dead={correlation_id: 1}, window=0.3)


async def test_success_without_reply_to_is_applied_and_not_dead_lettered(
    wire: Wire, flow: dict[str, Any]
) -> None:
    name = unique("dep")
    message_id = uuid.uuid4().hex

    await wire.publish(
        "deployment.create",
        {"flow_id": flow["id"], "name": name},
        message_id=message_id,
        reply=False,
    )

    async def applied() -> bool:
        body = await wire.call(
            "deployment.read_by_name", {"flow_name": flow["name"], "deployment_name": name}
        )
        return bool(body["ok"])

    await wait_until(applied)
    await wire.assert_quiet(dead={message_id: 0}, window=1.0)


@pytest.mark.parametrize("reply", [True, False], ids=["with reply_to", "fire-and-forget"])
async def test_dead_letter_of_a_message_without_message_id_has_none(
    wire: Wire, reply: bool
) -> None:
    correlation_id = await wire.publish("deployment.explode", b"{}", message_id=None, reply=reply)

    letter = await wire.dead_letter(correlation_id)

    assert header(letter, "x-deployq-error-code") == "unknown_command"
    assert letter.message_id is None
