"""The relay's loop: connect to the broker, standby, lead, publish what is pending, idle until
the next commit; over again after any failure.

A relay leads only while it has a broker link: when the link is lost it gives up the lock at
once (another process may have a working link), waits quietly for the broker, and resumes.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import timedelta

from aio_pika.abc import AbstractChannel, AbstractExchange

from deployq.broker import Broker, Link, Stopped
from deployq.clock import Clock
from deployq.consumers.topology import Topology, declare_exchange
from deployq.metrics import Metrics
from deployq.readiness import Readiness
from deployq.relay import leader, publisher
from deployq.relay.purge import Purge
from deployq.retry import Backoff, either, is_transient, pause
from deployq.storage.database import Database, plain_dsn

log = logging.getLogger(__name__)

LINKED = "events"
REMIND_SECONDS = 60.0


class Relay:
    def __init__(
        self,
        *,
        db: Database,
        database_url: str,
        broker: Broker,
        topology: Topology,
        clock: Clock,
        metrics: Metrics,
        readiness: Readiness | None = None,
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
        self.broker = broker
        self.readiness = readiness or Readiness()
        self.topology = topology
        self.clock = clock
        self.batch_rows = batch_rows
        self.batch_events = batch_events
        self.linger = linger
        self.idle_poll = idle_poll
        self.standby_poll = standby_poll
        self.drain_seconds = drain_seconds
        self.purge = Purge(db=db, clock=clock, metrics=metrics, retention=retention)
        self.leading = asyncio.Event()
        self._wake = asyncio.Event()
        self._exchange: AbstractExchange | None = None
        # What the log last said: a relay that flaps (a database or broker going up and down)
        # logs each change of state once, not once per attempt.
        self._told_leading = False
        self._interruptions = 0
        self._told_interrupted = -REMIND_SECONDS
        self._channel: AbstractChannel | None = None

    async def run(self, stop: asyncio.Event) -> None:
        """Until `stop`: keep a broker link; while linked, try to lead and publish."""
        self.readiness.need(LINKED)
        backoff = Backoff(first=0.2, cap=5.0)
        while not stop.is_set():
            try:
                link = await self.broker.connect(stop)
            except Stopped:
                return
            async with link:
                try:
                    await self.attach(await link.connection.channel(publisher_confirms=True))
                except Exception as error:
                    log.warning("outbox relay: no channel on %s (%r)", link.address, error)
                    await pause(stop, backoff.next())
                    continue
                self.readiness.up(LINKED)
                try:
                    await self._linked(link, stop, backoff)
                finally:
                    self.readiness.down(LINKED)

    async def attach(self, channel: AbstractChannel) -> None:
        """Publish on `channel` (confirming) from now on; its events exchange is declared."""
        self._exchange = await declare_exchange(channel, self.topology.events)
        self._channel = channel

    async def _linked(self, link: Link, stop: asyncio.Event, backoff: Backoff) -> None:
        """Lead (or stand by) until `stop` or the link is lost; database failures start a new
        spell after a pause."""
        async with either(stop, link.lost) as halt:
            while not halt.is_set():
                try:
                    await self._term(halt, link)
                    backoff.reset()
                except Exception as error:
                    self.leading.clear()
                    if link.lost.is_set():
                        break
                    delay = backoff.next()
                    self._interrupted(error, delay)
                    await pause(halt, delay)
        self._told_leading = False
        if link.lost.is_set() and not stop.is_set():
            log.warning("outbox relay: lost the broker at %s; reconnecting", link.address)

    def _interrupted(self, error: Exception, delay: float) -> None:
        """Log an interruption: a passing one at most once per REMIND_SECONDS, with a count."""
        self._interruptions += 1
        if not is_transient(error):
            log.exception("the outbox relay failed; again in %.1fs", delay)
            return
        now = time.monotonic()
        if now - self._told_interrupted < REMIND_SECONDS:
            log.debug("outbox relay interrupted (%s); again in %.1fs", error, delay)
            return
        self._told_interrupted = now
        self._told_leading = False
        log.warning("outbox relay interrupted (%s); retrying with backoff", error)

    def _leading(self) -> None:
        if not self._told_leading:
            after = f" after {self._interruptions} interruption(s)" if self._interruptions else ""
            log.info("outbox relay leading%s", after)
            self._told_leading = True
            self._interruptions = 0

    async def _term(self, stop: asyncio.Event, link: Link) -> None:
        """One spell: standby until the lock is ours, then lead until `stop`, then drain (if
        the link still stands)."""
        async with leader.spell(self.dsn, stop, self.standby_poll) as lease:
            if lease is None:
                return
            self._leading()
            self.leading.set()
            try:
                await lease.listen(self._wake.set)
                while not stop.is_set():
                    self._wake.clear()
                    await lease.confirm_if_due()
                    if await self.publish_pending():
                        # Under load, let a few more commits land so a pass carries many events.
                        await pause(stop, self.linger)
                        continue
                    await self._idle(lease, stop)
                if not link.lost.is_set():
                    await publisher.drain(self.publish_pending, self.drain_seconds)
            finally:
                self.leading.clear()

    async def _idle(self, lease: leader.Lease, stop: asyncio.Event) -> None:
        """Wait for a commit notification, a stop, or the poll interval (a missed notification
        costs at most that long); check the lock is still ours meanwhile."""
        waiters = [asyncio.ensure_future(self._wake.wait()), asyncio.ensure_future(stop.wait())]
        try:
            await asyncio.wait(waiters, timeout=self.idle_poll, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()
        if not self._wake.is_set() and not stop.is_set():
            await lease.confirm()
            await self.purge.if_due()

    async def publish_pending(self) -> int:
        """Publish one batch of pending rows; mark them sent once every event is confirmed."""
        exchange, channel = self._exchange, self._channel
        assert exchange is not None
        assert channel is not None
        return await publisher.publish_batch(
            self.db,
            exchange,
            channel,
            self.clock,
            rows=self.batch_rows,
            events=self.batch_events,
        )
