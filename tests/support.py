"""Helpers the tests share: waiting on conditions, and entities made through the handlers."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

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


def unique(prefix: str = "x") -> str:
    """A name no other test uses, so no table ever needs clearing."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def message_id() -> str:
    return uuid.uuid4().hex


def ok(reply: Any) -> Any:
    assert reply.ok, reply.body
    return reply.result
