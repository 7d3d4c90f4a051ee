"""A client as a careful service writes one: each command with a message_id of its own, published
persistent and confirmed, retried with the same id until a reply comes, reconnecting whenever the
broker goes away. It keeps every reply it gets, when it got it, and for which message_id, so a
test can tell whether the answers to one command ever differed."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import aio_pika
import orjson
from aio_pika.abc import AbstractConnection, AbstractExchange, AbstractIncomingMessage

from deployq.broker import Broker
from deployq.client import DIRECT_REPLY_TO
from deployq.settings import amqp_addresses


@dataclass(frozen=True)
class Received:
    at: float  # time.monotonic()
    body: dict[str, Any]


class Caller:
    def __init__(self, amqp_url: str, namespace: str, *, attempt_timeout: float = 5.0) -> None:
        self.amqp_url = amqp_url
        # One address, or a cluster's nodes: each connect tries them all from a random start.
        self._broker = Broker(amqp_addresses(amqp_url), name="faults caller")
        self.namespace = namespace
        self.attempt_timeout = attempt_timeout
        self.replies: defaultdict[str, list[Received]] = defaultdict(list)  # by message_id
        self.attempts = 0
        self.reconnects = 0
        self._owner: dict[str, str] = {}  # correlation_id → message_id
        self._waiting: dict[str, asyncio.Future[None]] = {}  # by message_id
        self._connection: AbstractConnection | None = None
        self._exchange: AbstractExchange | None = None
        self._lock = asyncio.Lock()

    async def close(self) -> None:
        if self._connection is not None:
            await self._connection.close()

    def answered(self) -> int:
        return len(self.replies)

    def first_reply_after(self, moment: float) -> float | None:
        """When the first reply after `moment` came (time.monotonic()), if one has."""
        later = [r.at for rs in self.replies.values() for r in rs if r.at > moment]
        return min(later, default=None)

    async def call(
        self, command: str, body: Mapping[str, Any], message_id: str, *, give_up: float = 180
    ) -> None:
        """Publish until a reply to `message_id` arrives (any attempt's), or fail after
        `give_up` seconds."""
        payload = orjson.dumps(body)
        deadline = time.monotonic() + give_up
        problems: list[str] = []
        arrived = self._waiting.setdefault(message_id, asyncio.get_running_loop().create_future())
        try:
            while not self.replies.get(message_id):
                if time.monotonic() > deadline:
                    raise AssertionError(f"{message_id}: no reply in {give_up}s: {problems[-3:]}")
                await self._attempt(command, payload, message_id, arrived, deadline, problems)
        finally:
            self._waiting.pop(message_id, None)

    async def _attempt(
        self,
        command: str,
        payload: bytes,
        message_id: str,
        arrived: asyncio.Future[None],
        deadline: float,
        problems: list[str],
    ) -> None:
        """Publish once; wait a while for a reply to this or any earlier attempt."""
        self.attempts += 1
        correlation_id = uuid.uuid4().hex
        self._owner[correlation_id] = message_id
        connection: AbstractConnection | None = None
        try:
            connection, exchange = await self._open(deadline)
            message = aio_pika.Message(
                payload,
                content_type="application/json",
                delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                message_id=message_id,
                correlation_id=correlation_id,
                reply_to=DIRECT_REPLY_TO,
            )
            await exchange.publish(message, routing_key=command, timeout=self.attempt_timeout)
        except Exception as error:  # whatever a lost broker raises: reconnect, same id again
            problems.append(f"publish: {type(error).__name__}: {error}")
            await self._drop(connection)
            await asyncio.sleep(0.25)  # a client's pause before it tries again
            return
        try:
            await asyncio.wait_for(asyncio.shield(arrived), self.attempt_timeout)
        except TimeoutError:
            problems.append(f"no reply within {self.attempt_timeout}s")

    async def _on_reply(self, message: AbstractIncomingMessage) -> None:
        correlation_id = message.correlation_id or ""
        message_id = self._owner.get(correlation_id)
        if message_id is None:
            return
        self.replies[message_id].append(Received(time.monotonic(), orjson.loads(message.body)))
        waiting = self._waiting.get(message_id)
        if waiting is not None and not waiting.done():
            waiting.set_result(None)

    async def _open(self, deadline: float) -> tuple[AbstractConnection, AbstractExchange]:
        """The current connection and exchange, connecting first if there is none."""
        async with self._lock:
            while self._connection is None or self._connection.is_closed:
                try:
                    connection = (await self._broker.connect(attempts=1)).connection
                except Exception:
                    if time.monotonic() > deadline:
                        raise
                    await asyncio.sleep(0.25)  # a client's pause between attempts to connect
                    continue
                channel = await connection.channel(publisher_confirms=True)
                replies = await channel.get_queue(DIRECT_REPLY_TO, ensure=False)
                await replies.consume(self._on_reply, no_ack=True)
                name = f"{self.namespace}.commands"
                self._exchange = await channel.get_exchange(name, ensure=False)
                self._connection = connection
                self.reconnects += 1
            assert self._exchange is not None
            return self._connection, self._exchange

    async def _drop(self, connection: AbstractConnection | None) -> None:
        """Forget a connection that failed (once, however many calls saw it fail)."""
        async with self._lock:
            if connection is not None and connection is self._connection:
                self._connection = None
                with contextlib.suppress(Exception):  # already gone with the broker
                    await asyncio.wait_for(connection.close(), 5)
