"""A subscriber as CONTRACT §4 describes one: a queue of its own bound to `<ns>.events`, acking
what it receives. It only counts: arrivals, bytes, and the times of the first and last."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import aio_pika
from aio_pika.abc import AbstractConnection, AbstractIncomingMessage

from deployq.consumers.topology import Topology

BINDING = "flow_run.created.#"
ACK_EVERY = 200


@dataclass(slots=True)
class Counter:
    expected: int = 0
    received: int = 0
    size: int = 0
    first: float = 0.0
    last: float = 0.0
    done: asyncio.Event = field(default_factory=asyncio.Event)

    def reset(self, expected: int) -> None:
        self.expected, self.received, self.size, self.first, self.last = expected, 0, 0, 0.0, 0.0
        self.done.clear()

    async def on_message(self, message: AbstractIncomingMessage) -> None:
        at = time.perf_counter()
        if not self.received:
            self.first = at
        self.received += 1
        self.size += len(message.body)
        self.last = at
        if self.received % ACK_EVERY == 0 or self.received >= self.expected:
            await message.ack(multiple=True)
        if self.received >= self.expected:
            self.done.set()

    @property
    def rate(self) -> float:
        """Messages per second between the first arrival and the last."""
        span = self.last - self.first
        return (self.received - 1) / span if span > 0 else float("nan")

    @property
    def mean_size(self) -> int:
        return self.size // max(1, self.received)

    async def wait(self, limit: float) -> None:
        """Until every expected message came; raises if they stop coming for `limit` s."""
        seen = -1
        while not self.done.is_set():
            if self.received == seen:
                raise RuntimeError(f"subscriber: {self.received}/{self.expected} after a stall")
            seen = self.received
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.done.wait(), limit)


@contextlib.asynccontextmanager
async def subscribed(
    connection: AbstractConnection, namespace: str, prefetch: int = 1000
) -> AsyncIterator[Counter]:
    """A counting subscriber bound until the block ends; its queue goes with its channel."""
    channel = await connection.channel()
    try:
        await channel.set_qos(prefetch_count=prefetch)
        exchange = await channel.declare_exchange(
            Topology(namespace).events.name, aio_pika.ExchangeType.TOPIC, durable=True
        )
        queue = await channel.declare_queue(exclusive=True, auto_delete=True)
        await queue.bind(exchange, routing_key=BINDING)
        counter = Counter()
        await queue.consume(counter.on_message)
        yield counter
    finally:
        with contextlib.suppress(Exception):
            await channel.close()
