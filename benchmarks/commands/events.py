"""Commit-to-subscriber latency: from a `deployment.create` reply to its `deployment.created`
event at a subscriber, at the write benchmark's load.

The subscriber is one as CONTRACT §4 describes: a queue of its own (classic, exclusive) bound to
`<namespace>.events` with `deployment.created`, acking every event. It lives in the load
generator and reads the clock in its consumer callback, as the reply consumer does, so both ends
of a latency are read by one clock in the same way. It is bound for its own phase only, so the
other phases' events are routed nowhere, as they were before it existed.

A latency is negative when the event came before the reply: both leave after the commit.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator

import aio_pika
import orjson
from aio_pika.abc import AbstractConnection, AbstractIncomingMessage

from benchmarks.commands.load import Phase
from deployq.consumers.topology import Topology

BINDING = "deployment.created"


class Subscriber:
    def __init__(self) -> None:
        self.arrived: dict[str, float] = {}
        self.pending: set[str] = set()
        self.complete = asyncio.Event()

    async def on_event(self, message: AbstractIncomingMessage) -> None:
        at = time.perf_counter()
        subject = str(orjson.loads(message.body).get("subject"))
        self.arrived.setdefault(subject, at)
        self.pending.discard(subject)
        if not self.pending:
            self.complete.set()
        await message.ack()

    async def latencies(self, phase: Phase, within: float = 15.0) -> tuple[list[float], int]:
        """Seconds from each answered create's reply to its event, and how many events never
        came within `within` seconds after the phase."""
        sent = [
            (str(result["id"]), phase.arrivals[index])
            for index, result in enumerate(phase.results)
            if result is not None
        ]
        self.pending = {i for i, _ in sent if i not in self.arrived}
        if self.pending:
            self.complete.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.complete.wait(), within)
        found = [self.arrived[i] - at for i, at in sent if i in self.arrived]
        return found, len(sent) - len(found)


@contextlib.asynccontextmanager
async def subscribed(connection: AbstractConnection, namespace: str) -> AsyncIterator[Subscriber]:
    """A subscriber bound until the block ends; its queue goes with its channel."""
    channel = await connection.channel()
    try:
        await channel.set_qos(prefetch_count=256)
        exchange = await channel.declare_exchange(
            Topology(namespace).events.name, aio_pika.ExchangeType.TOPIC, durable=True
        )
        queue = await channel.declare_queue(exclusive=True, auto_delete=True)
        await queue.bind(exchange, routing_key=BINDING)
        subscriber = Subscriber()
        await queue.consume(subscriber.on_event)
        yield subscriber
    finally:
        with contextlib.suppress(Exception):
            await channel.close()
