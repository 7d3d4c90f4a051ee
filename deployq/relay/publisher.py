"""Publishing the outbox: a batch of pending rows to `<ns>.events`, marked sent only once the
broker has confirmed every event of it (so a crash in between publishes them again, same ids)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from aio_pika import DeliveryMode, Message
from aio_pika.abc import AbstractExchange

from deployq.clock import Clock
from deployq.messages.events import CONTENT_TYPE, Event
from deployq.storage.database import Database

log = logging.getLogger(__name__)


def amqp_message(event: Event) -> Message:
    return Message(
        event.body,
        message_id=str(event.id),
        content_type=CONTENT_TYPE,
        type=event.type,
        delivery_mode=DeliveryMode.PERSISTENT,
    )


async def publish_batch(
    db: Database, exchange: AbstractExchange, clock: Clock, *, rows: int, events: int
) -> int:
    """Publish one batch of pending rows (at most `rows` rows, about `events` events); mark them
    sent once every event is confirmed. Returns how many events went out."""
    async with db.reading() as uow:
        pending = await uow.outbox.pending(rows, events)
    if not pending:
        return 0
    batch = [event for row in pending for event in row.events]
    # One channel keeps publish order; confirms are awaited together.
    await asyncio.gather(
        # Not mandatory: an event nobody subscribed to is fine, and returns cost a round trip.
        *(
            exchange.publish(amqp_message(e), routing_key=e.routing_key, mandatory=False)
            for e in batch
        )
    )
    async with db.reading() as uow:  # one statement: no transaction needed
        await uow.outbox.mark_sent([row.seq for row in pending], now=clock())
    log.debug("published %d event(s) from %d outbox row(s)", len(batch), len(pending))
    return len(batch)


async def drain(publish: Callable[[], Awaitable[int]], seconds: float) -> None:
    """On stop, publish what is still pending (the events of commands this process already
    answered) before giving up the lock, within a bounded time."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            published = await asyncio.wait_for(publish(), max(0.1, deadline - time.monotonic()))
        except TimeoutError:
            log.warning("stopping with outbox events still pending; the next leader sends them")
            return
        if not published:
            return
