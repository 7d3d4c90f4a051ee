"""What the bounds tests share: a command sent the worker's way (`decode`, then `execute` against
PostgreSQL), the entities refused commands point at, and how a refusal is checked."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from deployq.consumers.codec import Incoming, decode
from deployq.consumers.dispatch import error_answer, execute
from deployq.errors import DeployqError
from deployq.storage.database import Database
from tests.support import refused, unique

NOW = datetime(2031, 6, 1, 12, 0, tzinfo=UTC)
BODY_LIMIT = 1024 * 1024
DEPTH = 32  # DEPLOYQ_JSON_MAX_DEPTH's default
INT32_MAX = 2**31 - 1
FIRST = "0001-01-02T00:00:00Z"  # the earliest instant accepted
LAST = "9000-01-01T00:00:00Z"  # the latest
CENTURY = 100 * 365 * 86400  # the longest interval and min_time, in seconds


def deep(levels: int) -> orjson.Fragment:
    """A JSON object `levels` containers deep (`{"a": {"a": … {}}}`), written without orjson's
    own depth limit so bodies deeper than it can be sent."""
    return orjson.Fragment(b'{"a":' * (levels - 1) + b"{}" + b"}" * (levels - 1))


@dataclass(frozen=True)
class World:
    """A flow, a deployment with one schedule, a pool and a queue for commands to point at."""

    flow_name: str
    deployment_id: str
    schedule_id: str
    pool: str
    queue: str


async def send(
    db: Database, command: str, body: dict[str, Any], *, depth: int = DEPTH
) -> dict[str, Any]:
    """One command the way the worker handles it; the reply body."""
    message = Incoming(orjson.dumps(body), command, message_id=unique("m"))
    try:
        decoded = decode(message, body_limit=BODY_LIMIT, json_max_depth=depth, now=NOW)
    except DeployqError as error:
        return orjson.loads(error_answer(error).body)  # type: ignore[no-any-return]
    answer = await execute(decoded, db, lambda: NOW)
    return orjson.loads(answer.body)  # type: ignore[no-any-return]


@dataclass(frozen=True)
class Case:
    """A command carrying one value out of bounds, the field its refusal must name, and words
    the message of that detail must say."""

    command: str
    body: Callable[[World], dict[str, Any]]
    loc: list[str | int]
    words: str


async def assert_refused(db: Database, world: World, case: Case) -> None:
    """`validation_error`, with a detail naming the field in the validator's own words."""
    error = refused(await send(db, case.command, case.body(world)), "validation_error")
    named = [d for d in error["details"] if d["loc"] == case.loc]
    assert named, error["details"]
    assert case.words in named[0]["msg"], named[0]
    assert not named[0]["msg"].startswith("Value error"), named[0]


def new_deployment(w: World, **fields: Any) -> dict[str, Any]:
    return {"flow_name": w.flow_name, "name": unique("dep"), **fields}


def new_schedule(w: World, **fields: Any) -> dict[str, Any]:
    return {"deployment_id": w.deployment_id, "schedules": [{**fields}]}


def schedule_update(w: World, **fields: Any) -> dict[str, Any]:
    return {"deployment_id": w.deployment_id, "schedule_id": w.schedule_id, **fields}


def interval(seconds: float, **fields: Any) -> dict[str, Any]:
    return {"schedule": {"interval": seconds, **fields}}
