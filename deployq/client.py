"""A client for deployq's commands, as a service calls them (docs/upstream-services.md): a
`message_id` on every command, kept by the client's own re-publishes; aio-pika's robust
connection; replies over direct reply-to; results as the models of `deployq.messages`, error
replies raised as the `deployq.errors` class of their code (those the handlers raise).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Mapping
from dataclasses import replace
from functools import cache, partial
from typing import Any

import aio_pika
import orjson
from aio_pika.abc import (
    AbstractChannel,
    AbstractExchange,
    AbstractIncomingMessage,
    AbstractRobustConnection,
)
from aio_pika.exceptions import AMQPError, ChannelNotFoundEntity
from pydantic import TypeAdapter

from deployq.broker import TLSFiles
from deployq.handlers.results import result_types
from deployq.messages.base import Command
from deployq.messages.replies import NamespaceNotFound, Reply, ReplyTimeout, header_text
from deployq.roaming import open_connection
from deployq.settings import DEFAULT_AMQP_URL

__all__ = ["Client", "NamespaceNotFound", "Reply", "ReplyTimeout", "open_connection"]

DIRECT_REPLY_TO = "amq.rabbitmq.reply-to"
PUBLISH_RETRY_PAUSE = 0.2


class Client:
    """`async with Client(url, namespace) as client:`; see `call` and `execute`."""

    def __init__(
        self,
        amqp_url: str = DEFAULT_AMQP_URL,
        namespace: str = "deployq",
        *,
        timeout: float = 30.0,
        name: str = "deployq client",
        tls: TLSFiles | None = None,
        reconnect_interval: float = 1.0,
    ) -> None:
        self.amqp_url = amqp_url
        self.namespace = namespace
        self.timeout = timeout
        self._connect = partial(
            open_connection, amqp_url, name=name, tls=tls, reconnect_interval=reconnect_interval
        )
        self.connection: AbstractRobustConnection | None = None
        self._channel: AbstractChannel | None = None
        self._exchange: AbstractExchange | None = None
        self._waiting: dict[str, asyncio.Future[Reply]] = {}
        self._reconnected = asyncio.Event()

    @classmethod
    async def connect(cls, amqp_url: str, namespace: str = "deployq", **options: Any) -> Client:
        client = cls(amqp_url, namespace, **options)
        await client.open()
        return client

    async def open(self) -> None:
        """Connect and listen for replies (once)."""
        if self.connection is not None:
            return
        connection = await self._connect()
        try:
            channel = await connection.channel(publisher_confirms=True)
            replies = await channel.declare_queue(DIRECT_REPLY_TO, passive=True)
            await replies.consume(self._on_reply, no_ack=True)
        except BaseException:
            await connection.close()
            raise
        # Once the channel and its reply consumer are back: replies to the old one are lost.
        channel.reopen_callbacks.add(self._on_reconnect)
        self.connection, self._channel = connection, channel

    async def _commands(self) -> AbstractExchange:
        """The namespace's command exchange, looked up until it exists: `NamespaceNotFound`
        (a wrong namespace, or no worker has declared it yet) is raised, not waited out."""
        if self._exchange is None:
            if self._channel is None:
                raise RuntimeError("the client is not open: use `async with Client(...)`")
            name = f"{self.namespace}.commands"
            try:
                self._exchange = await self._channel.get_exchange(name, ensure=True)
            except ChannelNotFoundEntity as error:
                raise NamespaceNotFound(
                    f"exchange {name!r} does not exist: is the namespace right, and has a "
                    "deployq worker run on it?"
                ) from error
        return self._exchange

    async def close(self) -> None:
        if self.connection is not None:
            connection, self.connection = self.connection, None
            await connection.close()

    async def __aenter__(self) -> Client:
        await self.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def pending(self) -> int:  # calls waiting for their reply
        return len(self._waiting)

    def _on_reconnect(self, *_: object) -> None:
        reconnected, self._reconnected = self._reconnected, asyncio.Event()
        reconnected.set()

    async def _on_reply(self, message: AbstractIncomingMessage) -> None:
        future = self._waiting.get(message.correlation_id or "")
        if future is not None and not future.done():
            status = header_text((message.headers or {}).get("status"))
            body = orjson.loads(message.body)
            future.set_result(Reply(body, status, message.type, message.correlation_id))

    async def publish(
        self,
        command: str,
        body: Mapping[str, Any] | bytes | None = None,
        *,
        message_id: str | None = None,
        correlation_id: str | None = None,
        reply: bool = False,
        headers: Mapping[str, Any] | None = None,
        **properties: Any,
    ) -> str:
        """Publish one command, persistent and confirmed by the broker; returns its message_id.
        Without `reply` it is fire-and-forget: a failure goes to the dead-letter queue."""
        exchange = await self._commands()
        message_id = message_id or uuid.uuid4().hex
        message = aio_pika.Message(
            body if isinstance(body, bytes) else orjson.dumps(body or {}),
            content_type=properties.pop("content_type", "application/json"),
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            message_id=message_id,
            correlation_id=correlation_id,
            reply_to=DIRECT_REPLY_TO if reply else None,
            headers=dict(headers or {}),
            **properties,
        )
        await exchange.publish(message, routing_key=command)
        return message_id

    async def call(
        self,
        command: str,
        body: Mapping[str, Any] | bytes | None = None,
        *,
        message_id: str | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 - a reply that never comes must not hang
        **options: Any,
    ) -> Reply:
        """Send one command and return its reply, ok or error. The `message_id` (default: a new
        one) is kept for every re-publish: after a failed publish, and after a reconnect, which
        loses replies addressed to the old channel. Raises `ReplyTimeout` after `timeout`
        seconds (default: the client's), with no trace of the call left behind."""
        message_id = message_id or uuid.uuid4().hex
        timeout = self.timeout if timeout is None else timeout
        correlation_id = uuid.uuid4().hex
        future: asyncio.Future[Reply] = asyncio.get_running_loop().create_future()
        self._waiting[correlation_id] = future
        failed = ""
        try:
            async with asyncio.timeout(timeout):
                while True:
                    reconnected = self._reconnected
                    try:
                        await self.publish(
                            command,
                            body,
                            message_id=message_id,
                            correlation_id=correlation_id,
                            reply=True,
                            **options,
                        )
                    except (AMQPError, ConnectionError) as error:
                        failed = repr(error)
                        await asyncio.sleep(PUBLISH_RETRY_PAUSE)
                        continue
                    if await _reply_or_reconnect(future, reconnected):
                        return replace(future.result(), message_id=message_id)
        except TimeoutError:
            raise ReplyTimeout(command, message_id, timeout, failed) from None
        finally:
            self._waiting.pop(correlation_id, None)

    async def execute(
        self, command: str | Command, body: Mapping[str, Any] | None = None, **options: Any
    ) -> Any:
        """`call`, then the result as its reply model (`Flow`, `Deployment`, a list of
        `DeploymentSchedule`, …); an error reply raises its exception (`NotFound`, …).
        `command` may be a command model: its fields set are sent (exclude-unset)."""
        if isinstance(command, Command):
            body = command.model_dump(mode="json", exclude_unset=True)
            command = command.command
        reply = await self.call(command, body, **options)
        reply.raise_for_error()
        adapter = _result_adapter(command)
        return reply.result if adapter is None else adapter.validate_python(reply.result)


async def _reply_or_reconnect(future: asyncio.Future[Reply], reconnected: asyncio.Event) -> bool:
    """Wait for the reply (True) or a reconnect (False)."""
    waiting: asyncio.Future[Any] = asyncio.ensure_future(reconnected.wait())
    try:
        await asyncio.wait([future, waiting], return_when=asyncio.FIRST_COMPLETED)
    finally:
        waiting.cancel()
    return future.done()


@cache
def _result_adapter(command: str) -> TypeAdapter[Any] | None:
    kind = result_types().get(command)
    return None if kind is None else TypeAdapter(kind)
