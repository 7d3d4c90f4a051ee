"""A command's body from the command line, checked before it is sent.

The body is one JSON object, or `key=value` (a string) and `key:=json` (any JSON value) pairs,
as HTTPie writes them. It then goes through the worker's own decoder (consumers/codec.py), so
what the worker would refuse is refused here, with the same code and message, and nothing
reaches the queue (or its dead letters) that could not be handled.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from typing import Any

import orjson

from deployq.clock import utcnow
from deployq.consumers.codec import Incoming, decode
from deployq.errors import DeployqError, UnknownCommand
from deployq.handlers import COMMANDS

PAIR = re.compile(r"^(?P<key>[A-Za-z_][A-Za-z0-9_]*)(?P<raw>:?)=(?P<value>.*)$", re.DOTALL)


class BadArguments(ValueError):
    """The body on the command line cannot be read (one line saying why)."""


def body_of(arguments: Sequence[str]) -> bytes:
    """The JSON bytes to send: `{}` for nothing, the one JSON argument, or the pairs."""
    if not arguments:
        return b"{}"
    if len(arguments) == 1 and not PAIR.match(arguments[0]):
        try:
            orjson.loads(arguments[0])
        except orjson.JSONDecodeError as error:
            raise BadArguments(
                f"the body is neither JSON ({error}) nor key=value pairs; "
                """write '{"name": "etl"}' or name=etl"""
            ) from None
        return arguments[0].encode()
    body: dict[str, Any] = {}
    for argument in arguments:
        pair = PAIR.match(argument)
        if pair is None:
            raise BadArguments(
                f"{argument!r} is not key=value (a string) or key:=json (any JSON value)"
            )
        key, value = pair["key"], pair["value"]
        if key in body:
            raise BadArguments(f"{key} is given twice")
        if pair["raw"]:
            try:
                body[key] = orjson.loads(value)
            except orjson.JSONDecodeError as error:
                raise BadArguments(f"{key}:= takes a JSON value: {error}") from None
        else:
            body[key] = value
    return orjson.dumps(body)


def suggestion(command: str) -> str:
    """`; did you mean X?` for a near command name, or nothing."""
    near = difflib.get_close_matches(command, list(COMMANDS), n=1, cutoff=0.6)
    return f"; did you mean {near[0]}?" if near else ""


def check(
    command: str, body: bytes, *, message_id: str, body_limit: int, json_max_depth: int
) -> None:
    """Raise the `DeployqError` the worker would answer with, if any (the decode stage only:
    rules that need the database, such as not_found, are the worker's)."""
    message = Incoming(
        body=body, routing_key=command, content_type="application/json", message_id=message_id
    )
    try:
        decode(message, body_limit=body_limit, json_max_depth=json_max_depth, now=utcnow())
    except UnknownCommand as error:
        hint = suggestion(command) or "; `deployq call --help` lists the commands"
        raise UnknownCommand(f"{error.message}{hint}", error.details) from None


def described(error: dict[str, Any]) -> str:
    """An error reply's `error` in one line: code, message, and each detail as `loc: msg`."""
    line = f"{error.get('code')}: {error.get('message')}"
    problems = "; ".join(_detail(d) for d in error.get("details") or [])
    return f"{line} ({problems})" if problems else line


def _detail(detail: dict[str, Any]) -> str:
    loc = ".".join(str(p) for p in detail.get("loc") or [])
    return f"{loc}: {detail.get('msg')}" if loc else str(detail.get("msg"))


def command_list() -> str:
    """The commands by noun, one paragraph per noun, for `call --help`."""
    nouns: dict[str, list[str]] = {}
    for name in sorted(COMMANDS):
        noun = name.split(".")[0]
        nouns.setdefault(noun, []).append(name)
    lines = [f"{noun}: {', '.join(names)}" for noun, names in nouns.items()]
    return "Commands (CONTRACT §2, §8):\n\n" + "\n\n".join(lines)


def error_reply(error: DeployqError) -> dict[str, Any]:
    """The reply body the worker would have sent for `error`."""
    return {
        "ok": False,
        "error": {"code": error.code, "message": error.message, "details": error.details},
    }
