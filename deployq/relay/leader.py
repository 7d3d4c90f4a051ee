"""Leadership of the relay: a PostgreSQL advisory lock held on an asyncpg connection of its own.

The lock lives as long as that connection, so a relay that dies or loses its connection gives
it up without cleaning anything, and a standby takes it on its next try.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable

import asyncpg

from deployq.retry import pause
from deployq.storage.tables import OUTBOX_CHANNEL

LEADER_LOCK = 0x6465706C6F7972  # any constant shared by every deployq process
LOCK_CHECK_SECONDS = 5.0


class Lease:
    """The lock, held while `connection` lives."""

    def __init__(self, connection: asyncpg.Connection) -> None:
        self.connection = connection
        self._checked = time.monotonic()

    async def listen(self, notified: Callable[[], None]) -> None:
        """Call `notified` whenever a transaction with events commits."""
        await self.connection.add_listener(OUTBOX_CHANNEL, lambda *_: notified())

    async def confirm(self) -> None:
        """Still holding the lock? Raises if the connection is lost: another relay may lead."""
        await self.connection.execute("SELECT 1")

    async def confirm_if_due(self) -> None:
        """`confirm`, at most every LOCK_CHECK_SECONDS (a busy leader never idles to check)."""
        if time.monotonic() - self._checked > LOCK_CHECK_SECONDS:
            await self.confirm()
            self._checked = time.monotonic()


@contextlib.asynccontextmanager
async def spell(dsn: str, stop: asyncio.Event, standby_poll: float) -> AsyncIterator[Lease | None]:
    """One spell on a fresh connection: standby until the lock is ours (a Lease) or `stop` is set
    first (None). Leaving the block closes the connection, and with it the lock."""
    connection = await asyncpg.connect(dsn)
    try:
        held = False
        while not stop.is_set() and not held:
            held = await connection.fetchval("SELECT pg_try_advisory_lock($1)", LEADER_LOCK)
            if not held:
                await pause(stop, standby_poll)
        yield Lease(connection) if held else None
    finally:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(connection.close(), 5)
