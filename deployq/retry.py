"""Which failures are passing (connection lost, serialization conflict) and how long to wait."""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import asyncpg
from aiormq.exceptions import AMQPChannelError, ChannelInvalidStateError, DeliveryError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

# SQLSTATE classes and codes worth another try: connection exceptions, serialization failure,
# deadlock, too many connections, server shutting down, cannot connect now.
TRANSIENT_STATES = ("08", "40001", "40P01", "53300", "57P01", "57P02", "57P03")


def _sqlstate(error: BaseException) -> str:
    for candidate in (error, getattr(error, "orig", None), getattr(error, "__cause__", None)):
        state = getattr(candidate, "sqlstate", None) or getattr(candidate, "pgcode", None)
        if isinstance(state, str):
            return state
    return ""


def is_transient(error: BaseException) -> bool:
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    if isinstance(
        error, InterfaceError | OperationalError | PoolTimeout | ConnectionError | TimeoutError
    ):
        return True
    if isinstance(error, asyncpg.PostgresConnectionError | asyncpg.InterfaceError | OSError):
        return True
    # The broker closed a channel, or refused a publish: the next link or attempt may do.
    if isinstance(error, AMQPChannelError | ChannelInvalidStateError | DeliveryError):
        return True
    state = _sqlstate(error)
    return any(state.startswith(prefix) for prefix in TRANSIENT_STATES)


@dataclass
class Backoff:
    """Exponential backoff with jitter, capped, so a long outage is not a crash loop."""

    first: float = 0.1
    cap: float = 10.0
    _attempt: int = field(default=0, init=False)

    def next(self) -> float:
        delay = min(self.cap, self.first * 2.0**self._attempt)
        self._attempt += 1
        return delay * (0.5 + random.random() / 2)

    def reset(self) -> None:
        self._attempt = 0


async def pause(stop: asyncio.Event, seconds: float) -> None:
    """Wait `seconds`, or less if `stop` is set meanwhile."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


@contextlib.asynccontextmanager
async def either(*events: asyncio.Event) -> AsyncIterator[asyncio.Event]:
    """An event that is set as soon as any of `events` is, for code that waits on one."""
    merged = asyncio.Event()

    async def watch(event: asyncio.Event) -> None:
        await event.wait()
        merged.set()

    watchers = [asyncio.create_task(watch(event)) for event in events]
    try:
        yield merged
    finally:
        for watcher in watchers:
            watcher.cancel()
