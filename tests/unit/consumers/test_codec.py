"""Decoding: size, content type, UTF-8, JSON object, routing key, deadline, message_id, fields."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest

from deployq.consumers.codec import Incoming, decode, parse_deadline
from deployq.errors import (
    DeployqError,
    Expired,
    InvalidMessage,
    MissingMessageId,
    PayloadTooLarge,
    UnknownCommand,
    ValidationFailed,
)
from deployq.messages.deployments import ReadDeployment
from deployq.messages.flows import CreateFlow

NOW = datetime(2026, 1, 1, tzinfo=UTC)
LIMIT = 1024


def message(body: Any = None, routing_key: str = "flow.create", **props: Any) -> Incoming:
    raw = body if isinstance(body, bytes) else orjson.dumps({"name": "f"} if body is None else body)
    props.setdefault("message_id", "m-1")
    return Incoming(body=raw, routing_key=routing_key, **props)


def fails(incoming: Incoming) -> DeployqError:
    with pytest.raises(DeployqError) as caught:
        decode(incoming, body_limit=LIMIT, now=NOW)
    return caught.value


def test_decodes_a_write_with_its_id_and_a_hash_of_the_body() -> None:
    decoded = decode(message(), body_limit=LIMIT, now=NOW)
    assert decoded.command == CreateFlow(name="f")
    assert decoded.message_id == "m-1"
    assert len(decoded.body_hash) == 32


def test_same_body_same_hash_other_body_other_hash() -> None:
    first = decode(message({"name": "a"}), body_limit=LIMIT, now=NOW)
    again = decode(message({"name": "a"}), body_limit=LIMIT, now=NOW)
    other = decode(message({"name": "b"}), body_limit=LIMIT, now=NOW)
    assert first.body_hash == again.body_hash != other.body_hash


def test_a_read_needs_no_message_id() -> None:
    body = {"id": "7c1f4a6e-0d67-4d1e-9a43-1d1b7c43d7a1"}
    decoded = decode(message(body, "deployment.read", message_id=None), body_limit=LIMIT, now=NOW)
    assert isinstance(decoded.command, ReadDeployment)
    assert decoded.message_id is None


@pytest.mark.parametrize(
    "content_type", [None, "", "application/json", "application/json; charset=utf-8"]
)
def test_json_content_types_are_accepted(content_type: str | None) -> None:
    decode(message(content_type=content_type), body_limit=LIMIT, now=NOW)


@pytest.mark.parametrize(
    ("incoming", "expected", "fragment"),
    [
        (message(b"x" * (LIMIT + 1)), PayloadTooLarge, "limit is 1024"),
        (message(content_type="text/plain"), InvalidMessage, "content_type"),
        (message(b"\xff\xfe{}"), InvalidMessage, "not UTF-8"),
        (message(b"{not json"), InvalidMessage, "not JSON"),
        (message(b"[1, 2]"), InvalidMessage, "JSON object"),
        (message(b'"text"'), InvalidMessage, "JSON object"),
        (message(type="flow.read"), InvalidMessage, "differs from routing key"),
        (message(headers={"deadline": "tomorrow"}), InvalidMessage, "RFC 3339"),
        (message(message_id="a\x00b"), InvalidMessage, "NUL"),
        (message(headers={"deadline": "2026-01-02T00:00:00"}), InvalidMessage, "offset"),
        (message(routing_key="flow.explode"), UnknownCommand, "flow.explode"),
        (message(headers={"deadline": "2025-12-31T23:59:59Z"}), Expired, "passed"),
        (message(message_id=None), MissingMessageId, "message_id"),
        (message(message_id=""), MissingMessageId, "message_id"),
        (message({"name": "f", "colour": "red"}), ValidationFailed, "invalid field"),
        (message({}), ValidationFailed, "invalid field"),
    ],
)
def test_each_problem_has_its_code(
    incoming: Incoming, expected: type[DeployqError], fragment: str
) -> None:
    error = fails(incoming)
    assert type(error) is expected
    assert fragment in error.message


def test_validation_details_list_each_problem() -> None:
    error = fails(message({"name": 5, "colour": "red", "tags": "x"}))
    assert {(tuple(d["loc"]), d["type"]) for d in error.details} == {
        (("name",), "string_type"),
        (("colour",), "extra_forbidden"),
        (("tags",), "list_type"),
    }
    assert all(set(d) == {"loc", "msg", "type"} for d in error.details)


@pytest.mark.parametrize(
    ("incoming", "expected"),
    [
        # too large and not JSON: size is checked first
        (message(b"{" * (LIMIT + 1), "nope.nope"), PayloadTooLarge),
        # not JSON and unknown command: the body is judged first
        (message(b"{oops", "nope.nope"), InvalidMessage),
        # unknown command and no message_id
        (message(routing_key="nope.nope", message_id=None), UnknownCommand),
        # expired and no message_id
        (message(message_id=None, headers={"deadline": "2020-01-01T00:00:00Z"}), Expired),
        # no message_id and invalid fields
        (message({"colour": "red"}, message_id=None), MissingMessageId),
        # bad deadline header and unknown command
        (message(routing_key="nope.nope", headers={"deadline": "soon"}), InvalidMessage),
    ],
)
def test_first_problem_in_contract_order_wins(
    incoming: Incoming, expected: type[DeployqError]
) -> None:
    assert type(fails(incoming)) is expected


def test_a_future_deadline_passes_and_bytes_headers_are_read() -> None:
    later = (NOW + timedelta(minutes=1)).isoformat().encode()
    decode(message(headers={"deadline": later}), body_limit=LIMIT, now=NOW)
    assert parse_deadline({"deadline": later}) == NOW + timedelta(minutes=1)
    assert parse_deadline({}) is None
