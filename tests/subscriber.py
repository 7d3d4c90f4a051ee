"""A subscriber to `<namespace>.events`, as CONTRACT §4 describes one: a queue of its own bound to
the topic exchange. It keeps every message, so a test can wait for some and assert "no more"."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import aio_pika
import orjson
from aio_pika.abc import AbstractChannel, AbstractIncomingMessage, AbstractQueue

from tests.support import holds, wait_until


def concerns(message: AbstractIncomingMessage, deployment_ids: Iterable[str]) -> bool:
    """Whether the event is about one of the deployments: its own, or one of its runs'."""
    key = message.routing_key or ""
    if key.startswith("flow_run."):
        return key.rsplit(".", 1)[-1] in deployment_ids
    return str(orjson.loads(message.body)["subject"]) in deployment_ids


@dataclass
class Subscriber:
    namespace: str
    channel: AbstractChannel
    queue: AbstractQueue
    binding: str = "#"
    messages: list[AbstractIncomingMessage] = field(default_factory=list)

    async def keep(self, message: AbstractIncomingMessage) -> None:
        self.messages.append(message)

    async def bind(self) -> None:
        """(Re)declare the events exchange and bind the queue to it."""
        exchange = await self.channel.declare_exchange(
            f"{self.namespace}.events", aio_pika.ExchangeType.TOPIC, durable=True
        )
        await self.queue.bind(exchange, routing_key=self.binding)

    def ids(self) -> list[str]:
        return [m.message_id or "" for m in self.messages]

    def about(self, *deployment_ids: str) -> list[AbstractIncomingMessage]:
        """The messages about these deployments (their own events and their runs'), in order."""
        wanted = set(deployment_ids)
        return [m for m in self.messages if concerns(m, wanted)]

    async def received(self, count: int, *, within: float = 15.0) -> list[AbstractIncomingMessage]:
        """Every message so far, once there are at least `count`."""

        async def arrived() -> bool:
            return len(self.messages) >= count

        await wait_until(arrived, timeout=within)
        return self.messages

    async def holds_ids(self, ids: Iterable[str], *, within: float = 15.0) -> None:
        """Wait until every event of `ids` has arrived."""
        wanted = set(ids)

        async def arrived() -> bool:
            return wanted <= set(self.ids())

        await wait_until(arrived, timeout=within)

    async def stays(self, count: int, *, window: float = 1.0) -> None:
        """For `window` seconds the subscriber holds exactly `count` messages."""

        async def unchanged() -> None:
            assert len(self.messages) == count, self.ids()[count:]

        await holds(unchanged, window=window)


@asynccontextmanager
async def subscribed(
    amqp_url: str, namespace: str, *, binding: str = "#"
) -> AsyncIterator[Subscriber]:
    """A subscriber on a connection of its own, bound before it is yielded."""
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel()
        queue = await channel.declare_queue(exclusive=True, auto_delete=True)
        subscriber = Subscriber(namespace, channel, queue, binding)
        await subscriber.bind()
        await queue.consume(subscriber.keep, no_ack=True)
        yield subscriber
