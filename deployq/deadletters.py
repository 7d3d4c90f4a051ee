"""The dead-letter queue for an operator (CONTRACT §5, §9): list, replay, purge.

Letters are taken with `basic.get` and left unacknowledged while they are looked at; those not
settled go back to the queue, in their place, when the channel closes (a return, not a
rejection: no delivery is counted as failed). A replayed letter is acked only once the broker
has confirmed its copy on `<ns>.commands`, so a failure half-way loses nothing (at worst a
letter is replayed twice, and §6 makes the second a duplicate). Each pass looks at no more
letters than the queue held when it began, so a replay that dies again is not replayed again.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractConnection, AbstractIncomingMessage

from deployq.consumers.replies import DEAD_AT, ERROR_CODE, ERROR_MESSAGE, republished
from deployq.consumers.topology import Topology

# Headers about the death itself: a replayed command is sent as its sender sent it.
DEATH_HEADERS = (ERROR_CODE, ERROR_MESSAGE, DEAD_AT, "x-delivery-count")
BROKER_DEATH = ("x-death", "x-first-death-", "x-last-death-")


@dataclass(frozen=True, slots=True)
class DeadLetter:
    routing_key: str
    message_id: str | None
    code: str
    message: str
    time: datetime | str | None

    def line(self) -> str:
        when = self.time.isoformat() if isinstance(self.time, datetime) else self.time
        return (
            f"{when or '-'}  {self.routing_key}  message_id={self.message_id or '-'}  "
            f"{self.code}: {self.message}"
        )


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return bytes(value).decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def read(message: AbstractIncomingMessage) -> DeadLetter:
    """What a letter says: deployq's reason headers, or the broker's `x-death` for a message
    RabbitMQ dead-lettered itself (delivery limit, expiration)."""
    headers = message.headers or {}
    code, reason = _text(headers.get(ERROR_CODE)), _text(headers.get(ERROR_MESSAGE))
    when: datetime | str | None = _text(headers.get(DEAD_AT))
    deaths = headers.get("x-death")
    if isinstance(deaths, list) and deaths and isinstance(deaths[0], dict):
        death = deaths[0]
        if code is None:
            code = _text(death.get("reason")) or "dead"
            reason = f"dead-lettered by the broker from {_text(death.get('queue'))}"
        moment = death.get("time")
        when = when or (moment if isinstance(moment, datetime) else None)
    return DeadLetter(
        routing_key=message.routing_key or "",
        message_id=message.message_id or None,
        code=code or "unknown",
        message=reason or "",
        time=when,
    )


def copy(message: AbstractIncomingMessage) -> aio_pika.Message:
    """The command as its sender published it: body and properties, without the death's
    headers (deployq's reason, the broker's x-death)."""
    headers = {
        k: v
        for k, v in (message.headers or {}).items()
        if k not in DEATH_HEADERS and not k.startswith(BROKER_DEATH)
    }
    return republished(message, headers)


class DeadLetters:
    """The dead-letter queue of one namespace, on a connection the caller owns."""

    def __init__(self, connection: AbstractConnection, topology: Topology) -> None:
        self.connection = connection
        self.topology = topology

    @contextlib.asynccontextmanager
    async def _held(self, limit: int | None = None) -> AsyncIterator[list[AbstractIncomingMessage]]:
        """Up to `limit` letters (at most as many as the queue holds now), unacked; those not
        settled in the block return to the queue when it ends."""
        channel = await self.connection.channel()
        try:
            queue = await channel.declare_queue(self.topology.dead_queue.name, passive=True)
            result = queue.declaration_result
            count = result.message_count or 0
            if limit is not None:
                count = min(count, limit)
            held: list[AbstractIncomingMessage] = []
            while len(held) < count:
                message = await queue.get(no_ack=False, fail=False)
                if message is None:
                    break
                held.append(message)
            yield held
        finally:
            with contextlib.suppress(Exception):
                await channel.close()

    async def peek(self, limit: int | None = None) -> list[DeadLetter]:
        """The letters in queue order, leaving every one in the queue."""
        async with self._held(limit) as held:
            return [read(message) for message in held]

    async def replay(self, message_ids: Collection[str] | None) -> list[DeadLetter]:
        """Re-publish the letters with these ids (every letter for None) to `<ns>.commands`,
        each removed once its copy is confirmed; the letters replayed."""
        publisher: AbstractChannel = await self.connection.channel(publisher_confirms=True)
        try:
            commands = await publisher.get_exchange(self.topology.commands.name, ensure=True)
            done: list[DeadLetter] = []
            async with self._held() as held:
                for message in held:
                    if message_ids is not None and message.message_id not in message_ids:
                        continue
                    await commands.publish(
                        copy(message), routing_key=message.routing_key or "", mandatory=True
                    )
                    await message.ack()
                    done.append(read(message))
            return done
        finally:
            with contextlib.suppress(Exception):
                await publisher.close()

    async def purge(self, message_ids: Collection[str] | None) -> int:
        """Drop the letters with these ids (every letter for None); how many were dropped."""
        if message_ids is None:
            channel = await self.connection.channel()
            try:
                queue = await channel.declare_queue(self.topology.dead_queue.name, passive=True)
                purged = await queue.purge()
                return int(purged.message_count or 0)
            finally:
                with contextlib.suppress(Exception):
                    await channel.close()
        dropped = 0
        async with self._held() as held:
            for message in held:
                if message.message_id in message_ids:
                    await message.ack()
                    dropped += 1
        return dropped
