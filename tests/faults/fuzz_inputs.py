"""Broken messages: bodies that are not what a command is (random bytes, invalid UTF-8, JSON that
is deep, huge, or not an object, wrong content types), and odd properties on otherwise valid
commands (routing keys up to AMQP's 255 bytes, types, message ids, correlation ids, deadlines)."""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Callable
from typing import Any

from deployq.handlers import COMMANDS
from tests.faults.fuzz_case import Case, deep, encode

LIMIT = 1024 * 1024  # the worker's body limit (its default)
SHORTSTR = 255  # AMQP's limit for a routing key or a property, in bytes


def _command(rng: random.Random) -> str:
    return rng.choice(sorted(COMMANDS))


def _id(rng: random.Random) -> str:
    return f"f-{rng.getrandbits(64):016x}"


def _case(rng: random.Random, kind: str, command: str, body: bytes, **options: Any) -> Case:
    """A case with a message_id of its own, so a write gets as far as its body allows."""
    return Case(kind, command, body, message_id=_id(rng), **options)


def _random_bytes(rng: random.Random) -> Case:
    return _case(rng, "random bytes", _command(rng), rng.randbytes(rng.randrange(0, 600)))


def _invalid_utf8(rng: random.Random) -> Case:
    bad = rng.choice([b"\xff", b"\xc0\xaf", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80", b"\x80"])
    return _case(rng, "invalid UTF-8", "flow.create", b'{"name": "etl' + bad + b'"}')


def _not_an_object(rng: random.Random) -> Case:
    body = rng.choice([
        b"[]", b"1", b'"x"', b"null", b"true", b"", b" ", b"\xef\xbb\xbf{}", b"{}x",
        b'{"a":1}{"b":2}', b"NaN", b"{'a': 1}", b'{"a":1,}', b"1e400", b'{"name":"a","name":"b"}',
    ])  # fmt: skip
    return _case(rng, f"body {body[:12]!r}", _command(rng), body)


def _deep(rng: random.Random) -> Case:
    depth = rng.choice([100, 254, 255, 256, 512, 1000, 1023, 1024, 1025, 10_000])
    shape = rng.choice(["list", "object"])
    closed = rng.random() < 0.7
    if rng.random() < 0.5:  # the whole body
        raw = deep(depth, shape=shape, closed=closed).text
        return _case(rng, f"deep body {shape} {depth}", _command(rng), raw)
    command, field = rng.choice([
        ("flow.create", "labels"), ("deployment.create", "parameters"),
        ("deployment.create", "job_variables"), ("work_pool.create", "base_job_template"),
    ])  # fmt: skip
    body: dict[str, Any] = {"name": "etl"} if command != "deployment.create" else _deployment()
    body[field] = {"p": deep(depth, shape=shape)}
    return _case(rng, f"deep {command} {field} {shape} {depth}", command, encode(body))


def _deployment() -> dict[str, Any]:
    return {"flow_name": "etl", "name": "fuzzed"}


def _huge(rng: random.Random) -> Case:
    size = rng.choice([LIMIT - 64, LIMIT, LIMIT + 1, 2 * LIMIT])
    body = encode({**_deployment(), "description": ""})
    pad = max(0, size - len(body))
    text = encode({**_deployment(), "description": "d" * pad})
    return _case(rng, f"huge body {len(text)} bytes", "deployment.create", text)


def _content_type(rng: random.Random) -> Case:
    kind = rng.choice([
        "", "text/plain", "application/json; charset=utf-8", "APPLICATION/JSON",
        "application/x-msgpack", "application/json;;", "applicatión/json", "*/*",
    ])  # fmt: skip
    return _case(rng, f"content_type {kind!r}", "system.ping", b"{}", content_type=kind)


BODIES: list[tuple[float, Callable[[random.Random], Case]]] = [
    (3, _random_bytes), (2, _invalid_utf8), (3, _not_an_object), (3, _deep),
    (0.1, _huge), (1, _content_type),
]  # fmt: skip


def _text(rng: random.Random, size: int) -> str:
    """Up to `size` bytes of UTF-8 drawn from several scripts (never split in a character)."""
    alphabet = "abc.XYZ-_#*é中🙂 \t"
    text = "".join(rng.choice(alphabet) for _ in range(size))
    return text.encode()[:size].decode("utf-8", "ignore")


def _routing_key(rng: random.Random) -> Case:
    key = rng.choice([
        "#", "*", "", "system.ping.", ".system.ping", "system..ping", "SYSTEM.PING", " system.ping",
        "system.ping\t", "a.b.c.d.e", "#.ping", "deployment.*", "déployment.create", "🙂",
        "system.ping" + "." * 200, "x" * SHORTSTR, "x" * 250, "x" * 244, "y" * 240,
        _text(rng, rng.randrange(200, SHORTSTR + 1)), _text(rng, rng.randrange(1, 60)),
    ])  # fmt: skip
    return _case(rng, f"routing key {len(key.encode())} bytes", key, b"{}")


def _type(rng: random.Random) -> Case:
    command = _command(rng)
    kind = rng.choice(["", "x", command, command + ".reply", "t" * SHORTSTR, _text(rng, 100)])
    return _case(rng, "type property", command, b"{}", type=kind)


def _message_id(rng: random.Random) -> Case:
    command = rng.choice(["flow.create", "system.ping", "deployment.create"])
    chosen = rng.choice([
        None, "", " ", "é中🙂", "a\x00b", "\x00", "'; DROP TABLE inbox; --", "m" * SHORTSTR,
        _text(rng, SHORTSTR), "\t\n", "reused-id",
    ])  # fmt: skip
    body = b'{"name": "etl"}' if command == "flow.create" else b"{}"
    return Case(f"message_id {chosen!r:.20}", command, body, message_id=chosen)


def _correlation_id(rng: random.Random) -> Case:
    return Case("long correlation_id", "system.ping", b"{}", long_correlation_id=True)


def _deadline(rng: random.Random) -> Case:
    value: Any = rng.choice([
        "garbage", "", "2026-13-45T00:00:00Z", "2026-01-01T00:00:00", "9999-12-31T23:59:59-23:59",
        "0001-01-01T00:00:00+23:59", "9999-12-31T23:59:59Z", 5, 1.5, True, -(2**63),
        {"at": "2026"}, ["2026"], "x" * 4000,
    ])  # fmt: skip
    body = b'{"name": "etl"}'
    return _case(rng, f"deadline {value!r:.20}", "flow.create", body, headers={"deadline": value})


def _headers(rng: random.Random) -> Case:
    headers = rng.choice([
        {"x-delivery-count": 99}, {"x-delivery-count": "many"}, {"status": "ok"},
        {"x-deployq-error-code": "internal"}, {"h" * 128: "v" * 10_000}, {"nested": {"a": [1]}},
    ])  # fmt: skip
    properties = {"priority": rng.randrange(0, 10)}
    body = b'{"name": "etl"}'
    return _case(rng, "odd headers", "flow.create", body, headers=headers, properties=properties)


PROPERTIES: list[tuple[float, Callable[[random.Random], Case]]] = [
    (3, _routing_key), (2, _type), (2, _message_id), (1, _correlation_id), (2, _deadline),
    (1, _headers),
]  # fmt: skip


def drawn(
    rng: random.Random, count: int, makers: list[tuple[float, Callable[[random.Random], Case]]]
) -> list[Case]:
    """`count` cases, each from a maker chosen by weight; one in ten without reply_to."""
    weights = [weight for weight, _ in makers]
    found = []
    for _ in range(count):
        (maker,) = rng.choices([m for _, m in makers], weights)
        case = maker(rng)
        if rng.random() < 0.1:
            case = dataclasses.replace(case, reply=False)
        found.append(case)
    return found
