"""The load generator's RPC client: confirmed, persistent publishes and direct reply-to.

`deployq.client.Client` sends the same messages, but it cannot take this one's place without
changing what is measured:

- the latency of a command ends when its reply arrives. This client reads the clock in the reply
  consumer's callback; through `Client` the time could only be read once the lane awaiting the
  reply runs again, after whatever the other lanes in flight queued on the loop meanwhile, so
  the tail would grow with `--inflight` and with the generator's own load, not the server's (16
  in flight on a busy two-core host: 0.03 ms at p50 but 6.5 ms at p99, 125 ms at worst);
- the ceiling listens on an exchange of its own (`<namespace>.ceiling`), and `Client` publishes
  only to `<namespace>.commands`. Both sides must go through the same code for the ratios to
  mean anything.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass
from typing import Any

import aio_pika
import orjson
from aio_pika.abc import AbstractChannel, AbstractConnection, AbstractIncomingMessage

from deployq.client import DIRECT_REPLY_TO


@dataclass(frozen=True, slots=True)
class Command:
    routing_key: str
    body: bytes
    message_id: str | None
    variant: str = ""


class Driver:
    """Any number of commands in flight over one connection and one confirm channel."""

    def __init__(self, connection: AbstractConnection, channel: AbstractChannel) -> None:
        self.connection = connection
        self.channel = channel
        self._waiting: dict[str, asyncio.Future[tuple[float, AbstractIncomingMessage]]] = {}

    @classmethod
    async def connect(cls, amqp_url: str) -> Driver:
        connection = await aio_pika.connect(amqp_url, client_properties={"product": "bench"})
        channel = await connection.channel(publisher_confirms=True)
        driver = cls(connection, channel)
        replies = await channel.get_queue(DIRECT_REPLY_TO, ensure=False)
        await replies.consume(driver._on_reply, no_ack=True)
        return driver

    async def close(self) -> None:
        await self.connection.close()

    async def _on_reply(self, message: AbstractIncomingMessage) -> None:
        arrived = time.perf_counter()
        future = self._waiting.pop(message.correlation_id or "", None)
        if future is not None and not future.done():
            future.set_result((arrived, message))

    async def call(
        self,
        exchange_name: str,
        command: Command,
        *,
        timeout: float,  # noqa: ASYNC109 - a reply that never comes is counted, not awaited
    ) -> tuple[float, dict[str, Any], str | None, float]:
        """One command: (seconds from publish to reply, reply body, status header, the
        `perf_counter` reading when the reply arrived)."""
        exchange = await self.channel.get_exchange(exchange_name, ensure=False)
        correlation_id = uuid.uuid4().hex
        message = aio_pika.Message(
            command.body,
            content_type="application/json",
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            message_id=command.message_id,
            correlation_id=correlation_id,
            reply_to=DIRECT_REPLY_TO,
        )
        future = asyncio.get_running_loop().create_future()
        self._waiting[correlation_id] = future
        started = time.perf_counter()
        try:
            await exchange.publish(message, routing_key=command.routing_key)
            arrived, reply = await asyncio.wait_for(future, timeout)
        finally:
            self._waiting.pop(correlation_id, None)
        status = (reply.headers or {}).get("status")
        if isinstance(status, bytes | bytearray):
            status = bytes(status).decode()
        return arrived - started, orjson.loads(reply.body), status, arrived
