"""A small RPC client for deployq commands: `deployq call` and the tests use it.

Replies come back over RabbitMQ's direct reply-to, so a caller declares no queue of its own.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import aio_pika
import orjson
from aio_pika.abc import AbstractChannel, AbstractConnection, AbstractIncomingMessage

from deployq.broker import Broker, TLSFiles
from deployq.settings import amqp_addresses

DIRECT_REPLY_TO = "amq.rabbitmq.reply-to"


@dataclass(frozen=True, slots=True)
class Reply:
    body: dict[str, Any]
    status: str | None
    type: str | None
    correlation_id: str | None

    @property
    def ok(self) -> bool:
        return bool(self.body.get("ok"))

    @property
    def result(self) -> Any:
        return self.body.get("result")

    @property
    def error(self) -> dict[str, Any]:
        error: dict[str, Any] = self.body.get("error") or {}
        return error


class Client:
    def __init__(
        self, connection: AbstractConnection, channel: AbstractChannel, namespace: str
    ) -> None:
        self.connection = connection
        self.channel = channel
        self.namespace = namespace
        self._waiting: dict[str, asyncio.Future[Reply]] = {}

    @classmethod
    async def connect(cls, amqp_url: str, namespace: str, *, tls: TLSFiles | None = None) -> Client:
        """`amqp_url` may list several addresses (comma-separated); one round is tried, from a
        random start, with the same TLS files for every address."""
        broker = Broker(amqp_addresses(amqp_url), name="deployq client", tls=tls)
        connection = (await broker.connect(attempts=1)).connection
        channel = await connection.channel(publisher_confirms=True)
        client = cls(connection, channel, namespace)
        queue = await channel.get_queue(DIRECT_REPLY_TO, ensure=False)
        await queue.consume(client._on_reply, no_ack=True)
        return client

    async def close(self) -> None:
        await self.connection.close()

    async def __aenter__(self) -> Client:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def _on_reply(self, message: AbstractIncomingMessage) -> None:
        future = self._waiting.pop(message.correlation_id or "", None)
        if future is not None and not future.done():
            future.set_result(
                Reply(
                    orjson.loads(message.body),
                    _text((message.headers or {}).get("status")),
                    message.type,
                    message.correlation_id,
                )
            )

    async def send(
        self,
        command: str,
        body: Mapping[str, Any] | bytes,
        *,
        message_id: str | None = None,
        reply: bool = True,
        headers: Mapping[str, Any] | None = None,
        **properties: Any,
    ) -> asyncio.Future[Reply] | None:
        """Publish one command (persistent, confirmed); the future resolves with its reply."""
        correlation_id = uuid.uuid4().hex
        future: asyncio.Future[Reply] | None = None
        if reply:
            future = asyncio.get_running_loop().create_future()
            self._waiting[correlation_id] = future
        payload = body if isinstance(body, bytes) else orjson.dumps(body)
        message = aio_pika.Message(
            payload,
            content_type=properties.pop("content_type", "application/json"),
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            message_id=message_id,
            correlation_id=correlation_id,
            reply_to=DIRECT_REPLY_TO if reply else None,
            headers=dict(headers or {}),
            **properties,
        )
        exchange = await self.channel.get_exchange(f"{self.namespace}.commands", ensure=False)
        await exchange.publish(message, routing_key=command)
        return future

    async def call(
        self,
        command: str,
        body: Mapping[str, Any] | bytes | None = None,
        *,
        message_id: str | None = None,
        timeout: float = 30.0,  # noqa: ASYNC109 - a reply that never comes must not hang a caller
        **options: Any,
    ) -> Reply:
        """Send and wait for the reply. Writes get a fresh message_id unless one is given."""
        if message_id is None:
            message_id = uuid.uuid4().hex
        future = await self.send(
            command, {} if body is None else body, message_id=message_id, **options
        )
        assert future is not None
        return await asyncio.wait_for(future, timeout)


def _text(value: Any) -> str | None:
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode()
    return None if value is None else str(value)
