"""The one decode point: bytes and properties in, a validated command out (CONTRACT §2–3).

Checks run in the contract's order, so a message with several problems reports the first of
`payload_too_large`, `invalid_message`, `unknown_command`, `expired`, `missing_message_id`,
`validation_error`.

Besides the models' own bounds, the decoded body as a whole is bounded here: no deeper than
`json_max_depth` (so free-form JSON can always be stored, and embedded in runs, replies and
events, within orjson's 254 levels) and no NUL character in any string or key (PostgreSQL's
text and jsonb cannot hold one).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from pydantic import ValidationError

from deployq.errors import (
    Expired,
    InvalidMessage,
    MissingMessageId,
    PayloadTooLarge,
    UnknownCommand,
    ValidationFailed,
)
from deployq.handlers import COMMANDS
from deployq.messages.base import UNION_TAG, Command

JSON_TYPES = frozenset({"", "application/json"})


@dataclass(frozen=True, slots=True)
class Incoming:
    """What deployq reads of an AMQP message; built by the consumer, so decoding needs no broker."""

    body: bytes
    routing_key: str
    content_type: str | None = None
    type: str | None = None
    message_id: str | None = None
    reply_to: str | None = None
    correlation_id: str | None = None
    headers: Mapping[str, Any] | None = None
    redelivered: bool = False
    delivery_count: int = 0


@dataclass(frozen=True, slots=True)
class Decoded:
    command: Command
    message_id: str | None
    body_hash: bytes


def _header_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("utf-8", "replace")
    return str(value)


def parse_deadline(headers: Mapping[str, Any] | None) -> datetime | None:
    raw = _header_text((headers or {}).get("deadline"))
    if raw is None:
        return None
    try:
        deadline = datetime.fromisoformat(raw.strip().upper())  # RFC 3339 allows `t` and `z`
    except ValueError:
        raise InvalidMessage(f"header deadline {raw!r} is not an RFC 3339 date-time") from None
    if deadline.tzinfo is None:
        raise InvalidMessage(f"header deadline {raw!r} has no UTC offset")
    return deadline


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError as error:
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidMessage("body is not UTF-8") from None
        raise InvalidMessage(f"body is not JSON: {error}") from None
    if not isinstance(value, dict):
        raise InvalidMessage(f"body must be a JSON object, not {type(value).__name__}")
    return value


Path = tuple[str | int, ...]


def _nul_or_too_deep(data: dict[str, Any], *, max_depth: int, nul: bool) -> dict[str, Any] | None:
    """The first problem found in the body: a container more than `max_depth` levels deep (the
    body is level 1), or, when `nul`, a string or key holding a NUL character."""
    pending: list[tuple[dict[str, Any] | list[Any], int, Path]] = [(data, 1, ())]
    while pending:
        container, level, path = pending.pop()
        if level > max_depth:
            return {
                "loc": list(path),
                "msg": f"nested deeper than {max_depth} levels (DEPLOYQ_JSON_MAX_DEPTH)",
                "type": "json_too_deep",
            }
        items = container.items() if isinstance(container, dict) else enumerate(container)
        for key, value in items:
            if nul and isinstance(key, str) and "\x00" in key:
                return _nul([*path, key])
            if isinstance(value, dict | list):
                pending.append((value, level + 1, (*path, key)))
            elif nul and isinstance(value, str) and "\x00" in value:
                return _nul([*path, key])
    return None


def _nul(loc: list[str | int]) -> dict[str, Any]:
    return {"loc": loc, "msg": "must not contain NUL characters (\\u0000)", "type": "string_nul"}


def body_problem(body: bytes, data: dict[str, Any], *, max_depth: int) -> dict[str, Any] | None:
    """Depth and NUL, walked only when the raw bytes allow either: a body with no more brackets
    than `max_depth` cannot nest deeper, and JSON writes NUL only as the escape `\\u0000`."""
    nul = b"\\u0000" in body
    if not nul and body.count(b"{") + body.count(b"[") <= max_depth:
        return None
    return _nul_or_too_deep(data, max_depth=max_depth, nul=nul)


def error_message(error: Any) -> str:
    """Pydantic's message, without the `Value error, ` it puts before a validator's own words."""
    if error["type"] == "value_error" and "error" in error.get("ctx", {}):
        return str(error["ctx"]["error"])
    return str(error["msg"])


def validation_details(error: ValidationError) -> list[dict[str, Any]]:
    """`{loc, msg, type}` per problem; `loc` is a path in the body (union tags left out), and
    a value that matched no member of a union is one problem, not one per member."""
    details: list[dict[str, Any]] = []
    seen: set[tuple[str | int, ...]] = set()
    for e in error.errors(include_url=False, include_context=True, include_input=False):
        loc = [p for p in e["loc"] if not (isinstance(p, str) and p.startswith(UNION_TAG))]
        if loc and _union_member(loc[-1]):
            loc = loc[:-1]
            if tuple(loc) in seen:
                continue
        seen.add(tuple(loc))
        details.append({"loc": loc, "msg": error_message(e), "type": e["type"]})
    return details


# How pydantic names the members of an untagged union in `loc`: a type (`int`, `list[str]`,
# `function-after[...]`) or a model class; wire field names are lower_case words.
_TYPE_NAMES = frozenset({"int", "float", "str", "bool", "bytes", "none", "dict", "list"})


def _union_member(part: str | int) -> bool:
    return isinstance(part, str) and (part in _TYPE_NAMES or "[" in part or part[:1].isupper())


def decode(message: Incoming, *, body_limit: int, json_max_depth: int, now: datetime) -> Decoded:
    if len(message.body) > body_limit:
        raise PayloadTooLarge(f"body is {len(message.body)} bytes; the limit is {body_limit}")
    content_type = (message.content_type or "").split(";")[0].strip().lower()
    if content_type not in JSON_TYPES:
        raise InvalidMessage(f"content_type {message.content_type!r} is not application/json")
    data = _json_object(message.body)
    if message.type and message.type != message.routing_key:
        raise InvalidMessage(
            f"type {message.type!r} differs from routing key {message.routing_key!r}"
        )
    if message.message_id and "\x00" in message.message_id:
        raise InvalidMessage("message_id must not contain NUL characters")
    deadline = parse_deadline(message.headers)
    model = COMMANDS.get(message.routing_key)
    if model is None:
        raise UnknownCommand(f"no command is named {message.routing_key!r}")
    if deadline is not None and deadline < now:
        raise Expired(f"deadline {deadline.isoformat()} passed before the command was handled")
    if model.writes and not message.message_id:
        raise MissingMessageId(f"{model.command} changes data, so it needs a message_id")
    problem = body_problem(message.body, data, max_depth=json_max_depth)
    if problem is not None:
        raise ValidationFailed(f"{model.command}: 1 invalid field(s)", [problem])
    try:
        command = model.model_validate(data)
    except ValidationError as error:
        details = validation_details(error)
        raise ValidationFailed(
            f"{model.command}: {len(details)} invalid field(s)", details
        ) from None
    body_hash = hashlib.sha256(message.body).digest() if model.writes else b""
    return Decoded(command, message.message_id or None, body_hash)
