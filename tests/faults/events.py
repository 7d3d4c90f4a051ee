"""A subscriber that outlives broker restarts: a durable queue of its own bound to `<ns>.events`
before the load starts, read only at the end. What the relay publishes while the test breaks
things waits there, so every announcement can be counted however often the broker went away."""

from __future__ import annotations

import contextlib
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import aio_pika
import orjson
from aio_pika.abc import AbstractIncomingMessage

from tests.support import wait_until


@dataclass
class Tap:
    amqp_url: str
    queue: str
    envelopes: list[dict[str, Any]] = field(default_factory=list)

    async def _keep(self, message: AbstractIncomingMessage) -> None:
        self.envelopes.append(orjson.loads(message.body))

    async def drain(
        self, enough: Callable[[Tap], bool], *, timeout: float = 60
    ) -> list[dict[str, Any]]:
        """Read the queue until `enough(self)` holds or `timeout` passes; every event so far."""
        connection = await aio_pika.connect(self.amqp_url)
        async with connection:
            channel = await connection.channel()
            queue = await channel.get_queue(self.queue, ensure=False)
            await queue.consume(self._keep, no_ack=True)

            async def satisfied() -> bool:
                return enough(self)

            with contextlib.suppress(AssertionError):  # the caller counts what is missing
                await wait_until(satisfied, timeout=timeout)
        return self.envelopes

    def event_ids(self, kind: str) -> defaultdict[str, set[str]]:
        """Subject (a deployment's id, or a run's for run events) → the ids of its events of
        type `kind`; the same event delivered twice counts once."""
        found: defaultdict[str, set[str]] = defaultdict(set)
        for envelope in self.envelopes:
            if envelope["type"] == kind:
                found[str(envelope["subject"])].add(str(envelope["id"]))
        return found


@asynccontextmanager
async def event_tap(
    amqp_url: str,
    namespace: str,
    *,
    binding: str = "#",
    arguments: dict[str, Any] | None = None,
) -> AsyncIterator[Tap]:
    """Declare and bind the tap's queue now (`arguments`, e.g. a quorum queue's, to outlive a
    cluster node); delete it on exit."""
    name = f"{namespace}.faults.events"
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel()
        exchange = await channel.declare_exchange(
            f"{namespace}.events", aio_pika.ExchangeType.TOPIC, durable=True
        )
        queue = await channel.declare_queue(name, durable=True, arguments=arguments)
        await queue.bind(exchange, routing_key=binding)
    try:
        yield Tap(amqp_url, name)
    finally:
        with contextlib.suppress(Exception):  # the broker may be gone with its node
            connection = await aio_pika.connect(amqp_url, timeout=5)
            async with connection:
                await (await connection.channel()).queue_delete(name)
