"""The outbox relay: publishes committed events to `<ns>.events`, marks them sent after the confirm.

Every worker and scheduler process runs one, but only the holder of a PostgreSQL advisory lock
publishes, so events leave in outbox order (commit order per deployment). If the leader dies its
lock goes with its connection and another process takes over; events it published but did not
mark are published again with the same ids (at least once).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta

import asyncpg
from aio_pika import DeliveryMode, Message
from aio_pika.abc import AbstractChannel, AbstractExchange
from sqlalchemy.engine import make_url

from deployq.consumers.topology import Topology, declare_exchange
from deployq.messages.events import CONTENT_TYPE, Event
from deployq.metrics import Metrics
from deployq.retry import Backoff, is_transient
from deployq.storage.database import Database
from deployq.storage.tables import OUTBOX_CHANNEL

log = logging.getLogger(__name__)

LEADER_LOCK = 0x6465706C6F7972  # any constant shared by every deployq process
PURGE_EVERY = timedelta(minutes=1)
LOCK_CHECK_SECONDS = 5.0


def plain_dsn(database_url: str) -> str:
    """asyncpg's own DSN for the SQLAlchemy URL (the relay listens on a connection of its own)."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


def amqp_message(event: Event) -> Message:
    return Message(
        event.body,
        message_id=str(event.id),
        content_type=CONTENT_TYPE,
        type=event.type,
        delivery_mode=DeliveryMode.PERSISTENT,
    )


class Relay:
    def __init__(
        self,
        *,
        db: Database,
        database_url: str,
        channel: AbstractChannel,
        topology: Topology,
        clock: Callable[[], datetime],
        metrics: Metrics,
        batch_rows: int = 500,
        batch_events: int = 5000,
        linger: float = 0.005,
        idle_poll: float = 1.0,
        standby_poll: float = 2.0,
        retention: timedelta = timedelta(hours=1),
        drain_seconds: float = 10.0,
    ) -> None:
        self.db = db
        self.dsn = plain_dsn(database_url)
        self.channel = channel
        self.topology = topology
        self.clock = clock
        self.metrics = metrics
        self.batch_rows = batch_rows
        self.batch_events = batch_events
        self.linger = linger
        self.idle_poll = idle_poll
        self.standby_poll = standby_poll
        self.retention = retention
        self.drain_seconds = drain_seconds
        self.leading = asyncio.Event()
        self._wake = asyncio.Event()
        self._exchange: AbstractExchange | None = None
        self._purged_at: datetime | None = None

    async def run(self, stop: asyncio.Event) -> None:
        """Until `stop`: try to lead; while leading, publish whatever is pending."""
        backoff = Backoff(first=0.2, cap=5.0)
        self._exchange = await declare_exchange(self.channel, self.topology.events)
        while not stop.is_set():
            try:
                await self._term(stop)
                backoff.reset()
            except Exception as error:
                self.leading.clear()
                if not is_transient(error):
                    log.exception("the outbox relay failed; restarting it")
                delay = backoff.next()
                log.warning("outbox relay interrupted (%s); again in %.1fs", error, delay)
                await _wait(stop, delay)

    async def _term(self, stop: asyncio.Event) -> None:
        """One spell on a dedicated connection: standby until the lock is ours, then lead."""
        connection = await asyncpg.connect(self.dsn)
        try:
            while not stop.is_set():
                if await connection.fetchval("SELECT pg_try_advisory_lock($1)", LEADER_LOCK):
                    break
                await _wait(stop, self.standby_poll)
            else:
                return
            log.info("outbox relay leading")
            self.leading.set()
            await connection.add_listener(OUTBOX_CHANNEL, self._notified)
            checked = time.monotonic()
            while not stop.is_set():
                self._wake.clear()
                if time.monotonic() - checked > LOCK_CHECK_SECONDS:
                    # Still holding the lock? A lost connection means another relay may lead.
                    await connection.execute("SELECT 1")
                    checked = time.monotonic()
                if await self.publish_pending():
                    # Under load, let a few more commits land so a pass carries many events.
                    await _wait(stop, self.linger)
                    continue
                await self._idle(connection, stop)
            await self._drain()
        finally:
            self.leading.clear()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(connection.close(), 5)

    async def _drain(self) -> None:
        """On stop, publish what is still pending (the events of commands this process already
        answered) before giving up the lock, within a bounded time."""
        deadline = time.monotonic() + self.drain_seconds
        while time.monotonic() < deadline:
            try:
                published = await asyncio.wait_for(
                    self.publish_pending(), max(0.1, deadline - time.monotonic())
                )
            except TimeoutError:
                log.warning("stopping with outbox events still pending; the next leader sends them")
                return
            if not published:
                return

    def _notified(self, *_: object) -> None:
        self._wake.set()

    async def _idle(self, connection: asyncpg.Connection, stop: asyncio.Event) -> None:
        """Wait for a commit notification, a stop, or the poll interval (a missed notification
        costs at most that long); check the lock connection is alive meanwhile."""
        waiters = [asyncio.ensure_future(self._wake.wait()), asyncio.ensure_future(stop.wait())]
        try:
            await asyncio.wait(waiters, timeout=self.idle_poll, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()
        if not self._wake.is_set() and not stop.is_set():
            await connection.execute("SELECT 1")
            await self._housekeeping()

    async def publish_pending(self) -> int:
        """Publish one batch of pending rows; mark them sent once every event is confirmed."""
        async with self.db.reading() as uow:
            pending = await uow.outbox.pending(self.batch_rows, self.batch_events)
        if not pending:
            return 0
        exchange = self._exchange
        assert exchange is not None
        events = [event for row in pending for event in row.events]
        # One channel keeps publish order; confirms are awaited together.
        await asyncio.gather(
            # Not mandatory: an event nobody subscribed to is fine, and returns cost a round trip.
            *(
                exchange.publish(amqp_message(e), routing_key=e.routing_key, mandatory=False)
                for e in events
            )
        )
        async with self.db.reading() as uow:  # one statement: no transaction needed
            await uow.outbox.mark_sent([row.seq for row in pending], now=self.clock())
        log.debug("published %d event(s) from %d outbox row(s)", len(events), len(pending))
        return len(events)

    async def _housekeeping(self) -> None:
        now = self.clock()
        if self._purged_at is not None and now - self._purged_at < PURGE_EVERY:
            return
        self._purged_at = now
        async with self.db.transaction() as uow:
            purged = await uow.outbox.purge(now - self.retention)
            pending = await uow.outbox.unsent()
            await uow.commit()
        self.metrics.events_pending.set(pending)
        if purged:
            log.info("purged %d published outbox row(s)", purged)


async def _wait(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
