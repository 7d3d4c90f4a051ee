"""Helpers every kind of test shares: waiting on conditions, unique names, reading replies."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

from deployq.client import Reply

T = TypeVar("T")


async def wait_until(
    condition: Callable[[], Awaitable[T]], *, timeout: float = 10.0, interval: float = 0.02
) -> T:
    """Poll `condition` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = await condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s (last value: {value!r})")
        await asyncio.sleep(interval)


async def holds(
    check: Callable[[], Awaitable[None]], *, window: float, interval: float = 0.02
) -> None:
    """Run `check` (which asserts) again and again for `window` seconds: a deadline-bounded
    wait for something that must not happen, such as a message that must not come."""
    deadline = time.monotonic() + window
    while True:
        await check()
        if time.monotonic() > deadline:
            return
        await asyncio.sleep(interval)


def unique(prefix: str = "x") -> str:
    """A name no other test uses, so no table ever needs clearing."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def message_id() -> str:
    return uuid.uuid4().hex


def ok(reply: Reply | Mapping[str, Any]) -> Any:
    """The result of a successful reply: the client's `Reply`, or a reply body as parsed."""
    if isinstance(reply, Reply):
        assert reply.ok, reply.body
        assert reply.status == "ok", reply.status
        return reply.result
    assert reply["ok"] is True, reply
    return reply["result"]


def refused(reply: Reply | Mapping[str, Any], code: str) -> dict[str, Any]:
    """The error of a reply refused with `code`: the client's `Reply`, or a reply body."""
    if isinstance(reply, Reply):
        assert not reply.ok, reply.body
        assert reply.status == "error", reply.status
        body: Mapping[str, Any] = reply.body
    else:
        body = reply
    assert body["ok"] is False, body
    failure: dict[str, Any] = body["error"]
    assert failure["code"] == code, failure
    return failure
