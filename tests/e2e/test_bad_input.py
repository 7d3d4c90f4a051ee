"""Bad input over the wire: the reply of CONTRACT §3, the dead letter of §5, and a worker that
keeps answering afterwards (every test ends with a ping)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest

from tests.e2e.wire import NO_CONTENT_TYPE, Wire, check_reply, header, ping
from tests.support import ok, refused, unique, wait_until

LIMIT = 1024 * 1024
MISSING = "3f1e0d6c-2b9a-4c57-8e43-0d2f6b1a9c77"
# Found wherever a message cannot be read; such a message is always dead-lettered (§3).
UNREADABLE = {"invalid_message", "unknown_command", "payload_too_large"}


def past() -> str:
    return (datetime.now(UTC) - timedelta(minutes=1)).isoformat()


def future() -> str:
    return (datetime.now(UTC) + timedelta(minutes=5)).isoformat()


def flow_body() -> bytes:
    return f'{{"name": "{unique("flow")}"}}'.encode()


@dataclass(frozen=True)
class Case:
    """One bad message: where it goes, what it carries, and the code it must be answered with."""

    command: str
    body: bytes
    code: str
    message_id: bool = True
    options: dict[str, Any] = field(default_factory=dict)
    deadline: str | None = None


def oversize(prefix: bytes = b'{"name": "', suffix: bytes = b'"}') -> bytes:
    return prefix + b"x" * LIMIT + suffix


CASES = {
    "body not JSON": Case("system.ping", b"{not json", "invalid_message"),
    "body not UTF-8": Case("system.ping", b'{"name": "caf\xe9"}', "invalid_message"),
    "JSON array, not an object": Case("system.ping", b"[1, 2]", "invalid_message"),
    "JSON string, not an object": Case("system.ping", b'"ping"', "invalid_message"),
    "empty body": Case("system.ping", b"", "invalid_message"),
    "unknown command": Case("deployment.explode", b"{}", "unknown_command"),
    "oversize body": Case("flow.create", oversize(), "payload_too_large"),
    "content_type text/plain": Case(
        "system.ping", b"{}", "invalid_message", options={"content_type": "text/plain"}
    ),
    "type differs from routing key": Case(
        "system.ping", b"{}", "invalid_message", options={"type": "flow.read"}
    ),
    "deadline not a date-time": Case("system.ping", b"{}", "invalid_message", deadline="soon"),
    "deadline without offset": Case(
        "system.ping", b"{}", "invalid_message", deadline="2030-01-01T00:00:00"
    ),
    "deadline passed": Case("system.ping", b"{}", "expired", deadline="2001-01-01T00:00:00Z"),
    "write without message_id": Case(
        "flow.create", b'{"name": "never"}', "missing_message_id", message_id=False
    ),
    "unknown field": Case(
        "deployment.read", f'{{"id": "{MISSING}", "idd": 1}}'.encode(), "validation_error"
    ),
    # CONTRACT §3 precedence: payload_too_large, invalid_message, unknown_command, expired,
    # missing_message_id, validation_error.
    "oversize + not JSON": Case("system.ping", b"x" * (LIMIT + 1), "payload_too_large"),
    "oversize + unknown command": Case("no.such", oversize(), "payload_too_large"),
    "oversize + deadline passed": Case(
        "system.ping", oversize(), "payload_too_large", deadline="2001-01-01T00:00:00Z"
    ),
    "oversize + wrong content_type": Case(
        "system.ping", oversize(), "payload_too_large", options={"content_type": "text/plain"}
    ),
    "not JSON + unknown command": Case("no.such", b"{not json", "invalid_message"),
    "wrong content_type + unknown command": Case(
        "no.such", b"{}", "invalid_message", options={"content_type": "text/plain"}
    ),
    "type differs + unknown command": Case(
        "no.such", b"{}", "invalid_message", options={"type": "system.ping"}
    ),
    "malformed deadline + unknown command": Case(
        "no.such", b"{}", "invalid_message", deadline="yesterday"
    ),
    "malformed deadline + missing message_id": Case(
        "flow.create",
        b'{"name": "never"}',
        "invalid_message",
        message_id=False,
        deadline="yesterday",
    ),
    "unknown command + missing message_id": Case(
        "deployment.frobnicate", b"{}", "unknown_command", message_id=False
    ),
    "unknown command + deadline passed": Case(
        "deployment.frobnicate", b"{}", "unknown_command", deadline="2001-01-01T00:00:00Z"
    ),
    "deadline passed + missing message_id": Case(
        "flow.create",
        b'{"name": "never"}',
        "expired",
        message_id=False,
        deadline="2001-01-01T00:00:00Z",
    ),
    "deadline passed + unknown field": Case(
        "deployment.read", b'{"idd": 1}', "expired", deadline="2001-01-01T00:00:00Z"
    ),
    "missing message_id + unknown field": Case(
        "flow.create", b'{"name": "never", "nmae": 1}', "missing_message_id", message_id=False
    ),
}


@pytest.mark.parametrize("case", list(CASES.values()), ids=list(CASES))
async def test_bad_message_gets_its_error_reply(wire: Wire, case: Case) -> None:
    message_id = uuid.uuid4().hex if case.message_id else None
    headers = {"deadline": case.deadline} if case.deadline is not None else {}

    correlation_id = await wire.publish(
        case.command, case.body, message_id=message_id, headers=headers, **case.options
    )

    reply = check_reply(
        await wire.reply(correlation_id), command=case.command, correlation_id=correlation_id
    )
    failure = refused(reply, case.code)
    await ping(wire)
    if case.code in UNREADABLE:
        letter = await wire.dead_letter(correlation_id)
        assert header(letter, "x-deployq-error-code") == case.code
        assert header(letter, "x-deployq-error-message") == failure["message"]
        assert letter.body == case.body
        assert letter.reply_to == wire.reply_to
        if message_id is not None:
            assert letter.message_id == message_id
    await wire.assert_quiet(
        replies={correlation_id: 1},
        dead={correlation_id: 1 if case.code in UNREADABLE else 0},
        window=0.3,
    )


async def test_unknown_field_details_name_each_problem(wire: Wire) -> None:
    body = {"id": "not-a-uuid", "idd": 1}

    failure = refused(await wire.call("deployment.read", body), "validation_error")

    for detail in failure["details"]:
        assert set(detail) == {"loc", "msg", "type"}, detail
        assert isinstance(detail["msg"], str)
        assert detail["msg"]
    by_loc = {tuple(d["loc"]): d["type"] for d in failure["details"]}
    assert by_loc == {("idd",): "extra_forbidden", ("id",): "uuid_parsing"}
    await ping(wire)


async def test_missing_required_field_is_a_validation_error(wire: Wire) -> None:
    failure = refused(await wire.write("deployment.create", {"name": "x"}), "validation_error")

    assert failure["details"]
    assert all(set(d) == {"loc", "msg", "type"} for d in failure["details"])
    await ping(wire)


async def test_expired_write_is_not_applied(wire: Wire) -> None:
    name = unique("flow")

    reply = await wire.write("flow.create", {"name": name}, headers={"deadline": past()})

    refused(reply, "expired")
    refused(await wire.call("flow.read", {"name": name}), "not_found")
    await ping(wire)


@pytest.mark.parametrize(
    "deadline",
    [future(), "2999-01-01T00:00:00Z", "2999-01-01T00:00:00+02:00"],
    ids=["isoformat", "Z suffix", "offset"],
)
async def test_deadline_still_ahead_is_handled(wire: Wire, deadline: str) -> None:
    name = unique("flow")

    created = ok(await wire.write("flow.create", {"name": name}, headers={"deadline": deadline}))

    assert created["name"] == name


async def test_deadline_with_lower_case_t_and_z_is_rfc3339(wire: Wire) -> None:
    pong = ok(await wire.call("system.ping", {}, headers={"deadline": "2999-01-01t00:00:00z"}))

    assert pong["version"]


@pytest.mark.parametrize(
    "content_type",
    [NO_CONTENT_TYPE, "application/json; charset=utf-8", "Application/JSON"],
    ids=["missing", "with charset", "mixed case"],
)
async def test_json_content_types_are_accepted(wire: Wire, content_type: str) -> None:
    pong = ok(await wire.call("system.ping", b"{}", content_type=content_type))

    assert pong["version"]


async def test_type_equal_to_routing_key_is_accepted(wire: Wire) -> None:
    pong = ok(await wire.call("system.ping", {}, type="system.ping"))

    assert pong["version"]


async def test_body_at_the_limit_is_read(wire: Wire) -> None:
    name = unique("flow")
    prefix, suffix = b'{"name": "' + name.encode() + b'", "tags": ["', b'"]}'
    filler = b"x" * (LIMIT - len(prefix) - len(suffix))
    body = prefix + filler + suffix
    assert len(body) == LIMIT

    created = ok(await wire.write("flow.create", body))

    assert created["name"] == name
    assert len(created["tags"][0]) == len(filler)


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
