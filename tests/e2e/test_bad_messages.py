"""Bad messages over the wire: each gets the error reply of CONTRACT §3 (the first problem by
the precedence there), an unreadable one is dead-lettered (§5), and the worker keeps answering."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import orjson
import pytest

from tests.e2e.bad_input import LIMIT, MISSING, UNREADABLE
from tests.e2e.wire import Wire, check_reply, header, ping
from tests.support import refused


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
    # Values the models could parse but the database or the date maths cannot hold: refused
    # when decoded, never retried into `internal` (README, "Limits on values").
    "integer beyond int32": Case(
        "work_pool.create", b'{"name": "p", "concurrency_limit": 2147483648}', "validation_error"
    ),
    "offset beyond bigint": Case(
        "deployment.list", b'{"offset": 9223372036854775808}', "validation_error"
    ),
    "parameters nested 300 levels": Case(
        "deployment.create",
        b'{"flow_name": "f", "name": "d", "parameters": '
        + b'{"a":' * 299
        + b"{}"
        + b"}" * 299
        + b"}",
        "validation_error",
    ),
    "NUL in a name": Case("flow.create", b'{"name": "a\\u0000b"}', "validation_error"),
    "start_time in 9999": Case(
        "deployment.schedule_runs",
        orjson.dumps({"deployment_id": MISSING, "start_time": "9999-12-31T23:00:00Z"}),
        "validation_error",
    ),
    "interval -1e20": Case(
        "deployment.schedules.create",
        orjson.dumps({"deployment_id": MISSING, "schedules": [{"schedule": {"interval": -1e20}}]}),
        "validation_error",
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
