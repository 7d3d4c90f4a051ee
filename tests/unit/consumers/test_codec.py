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
DEPTH = 32


def message(body: Any = None, routing_key: str = "flow.create", **props: Any) -> Incoming:
    raw = body if isinstance(body, bytes) else orjson.dumps({"name": "f"} if body is None else body)
    props.setdefault("message_id", "m-1")
    return Incoming(body=raw, routing_key=routing_key, **props)


def fails(incoming: Incoming) -> DeployqError:
    with pytest.raises(DeployqError) as caught:
        decode(incoming, body_limit=LIMIT, json_max_depth=DEPTH, now=NOW)
    return caught.value


def test_decodes_a_write_with_its_id_and_a_hash_of_the_body() -> None:
    decoded = decode(message(), body_limit=LIMIT, json_max_depth=DEPTH, now=NOW)
    assert decoded.command == CreateFlow(name="f")
    assert decoded.message_id == "m-1"
    assert len(decoded.body_hash) == 32


def test_same_body_same_hash_other_body_other_hash() -> None:
    first = decode(message({"name": "a"}), body_limit=LIMIT, json_max_depth=DEPTH, now=NOW)
    again = decode(message({"name": "a"}), body_limit=LIMIT, json_max_depth=DEPTH, now=NOW)
    other = decode(message({"name": "b"}), body_limit=LIMIT, json_max_depth=DEPTH, now=NOW)
    assert first.body_hash == again.body_hash != other.body_hash


def test_a_read_needs_no_message_id() -> None:
    body = {"id": "7c1f4a6e-0d67-4d1e-9a43-1d1b7c43d7a1"}
    decoded = decode(
        message(body, "deployment.read", message_id=None),
        body_limit=LIMIT,
        json_max_depth=DEPTH,
        now=NOW,
    )
    assert isinstance(decoded.command, ReadDeployment)
    assert decoded.message_id is None


@pytest.mark.parametrize(
    "content_type", [None, "", "application/json", "application/json; charset=utf-8"]
)
def test_json_content_types_are_accepted(content_type: str | None) -> None:
    decode(message(content_type=content_type), body_limit=LIMIT, json_max_depth=DEPTH, now=NOW)


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
    decode(message(headers={"deadline": later}), body_limit=LIMIT, json_max_depth=DEPTH, now=NOW)
    assert parse_deadline({"deadline": later}) == NOW + timedelta(minutes=1)
    assert parse_deadline({}) is None


# --- the body as a whole: depth and NUL ------------------------------------------------------


def nested(levels: int, key: str = "a") -> bytes:
    """An object `levels` containers deep, written by hand (orjson writes at most 254)."""
    return f'{{"{key}":'.encode() * (levels - 1) + b"{}" + b"}" * (levels - 1)


def deployment(field: bytes) -> Incoming:
    body = b'{"flow_name": "f", "name": "d", ' + field + b"}"
    return message(body, "deployment.create", message_id="m-1")


def decode_deep(incoming: Incoming, depth: int) -> DeployqError | None:
    try:
        decode(incoming, body_limit=1 << 20, json_max_depth=depth, now=NOW)
    except DeployqError as error:
        return error
    return None


@pytest.mark.parametrize("depth", [8, 32, 128])
def test_a_body_nests_at_most_json_max_depth_levels(depth: int) -> None:
    # The body is level 1 and `parameters` level 2: parameters may be depth - 1 levels deep.
    assert decode_deep(deployment(b'"parameters": ' + nested(depth - 1)), depth) is None

    error = decode_deep(deployment(b'"parameters": ' + nested(depth)), depth)

    assert isinstance(error, ValidationFailed)
    assert error.details == [
        {
            "loc": ["parameters", *["a"] * (depth - 1)],
            "msg": f"nested deeper than {depth} levels (DEPLOYQ_JSON_MAX_DEPTH)",
            "type": "json_too_deep",
        }
    ]


def test_lists_count_as_levels_and_the_path_names_their_index() -> None:
    body = b'"pull_steps": [{"a": [1, [[[]]]]}]'  # body, list, object, list, list, list, list
    assert decode_deep(deployment(body), 7) is None
    error = decode_deep(deployment(body), 6)
    assert isinstance(error, ValidationFailed)
    assert [d["loc"] for d in error.details] == [["pull_steps", 0, "a", 1, 0, 0]]


def test_brackets_inside_strings_do_not_count() -> None:
    assert decode_deep(deployment(b'"description": "' + b"{[" * 100 + b'"'), 8) is None


def test_a_body_deeper_than_orjson_parses_is_not_json() -> None:
    error = decode_deep(deployment(b'"parameters": ' + nested(2000)), 32)
    assert isinstance(error, InvalidMessage)


@pytest.mark.parametrize(
    ("field", "loc"),
    [
        (b'"description": "a\\u0000b"', ["description"]),
        (b'"tags": ["ok", "\\u0000"]', ["tags", 1]),
        (b'"parameters": {"x": {"k\\u0000": 1}}', ["parameters", "x", "k\x00"]),
        (b'"parameters": {"x": [1, {"k": "\\u0000"}]}', ["parameters", "x", 1, "k"]),
        (b'"name\\u0000": 1', ["name\x00"]),
    ],
)
def test_nul_anywhere_is_refused_with_its_path(field: bytes, loc: list[object]) -> None:
    error = decode_deep(deployment(field), 32)
    assert isinstance(error, ValidationFailed)
    assert error.details == [
        {"loc": loc, "msg": "must not contain NUL characters (\\u0000)", "type": "string_nul"}
    ]


def test_an_escaped_backslash_before_u0000_is_not_nul() -> None:
    assert decode_deep(deployment(b'"description": "\\\\u0000"'), 32) is None


def test_validator_messages_carry_no_pydantic_prefix() -> None:
    body = {"name": "d", "flow_name": "f", "flow_id": "7c1f4a6e-0d67-4d1e-9a43-1d1b7c43d7a1"}
    error = fails(message(body, "deployment.create"))
    assert [d["msg"] for d in error.details] == ["give exactly one of flow_id or flow_name"]
