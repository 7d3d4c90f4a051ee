"""Publishing what a command leaves behind: its reply, or a dead letter with the reason.

Everything a reply carries is bounded by construction (AMQP short strings hold 255 bytes), so a
publish never fails because of what the sender chose to put in its message.
"""

from __future__ import annotations

from typing import Any

from aio_pika import DeliveryMode, Message
from aio_pika.abc import (
    AbstractChannel,
    AbstractConnection,
    AbstractExchange,
    AbstractIncomingMessage,
)

from deployq.clock import utcnow
from deployq.consumers.dispatch import Answer
from deployq.consumers.topology import Exchange, declare_exchange

ERROR_CODE = "x-deployq-error-code"
ERROR_MESSAGE = "x-deployq-error-message"
DEAD_AT = "x-deployq-dead-at"  # when the letter was written (RFC 3339), for `dead-letters list`
SHORT_STRING = 255
REPLY_SUFFIX = ".reply"


def reply_type(command: str) -> str | None:
    """`<command>.reply`, or None (no `type`) for a routing key too long to carry the suffix:
    no command has such a name, so the reply is an error reply in any case."""
    kind = command + REPLY_SUFFIX
    return kind if len(kind.encode()) <= SHORT_STRING else None


def reply_message(answer: Answer, *, command: str, correlation_id: str | None) -> Message:
    return Message(
        answer.body,
        content_type="application/json",
        correlation_id=correlation_id,
        type=reply_type(command),
        headers={"status": "ok" if answer.ok else "error"},
        delivery_mode=DeliveryMode.NOT_PERSISTENT,
    )


class _Unset(str):
    """An empty `message_id` that the AMQP client does not replace with a random one.

    The client library fills in a message_id whenever it is falsy, but an empty string is
    left off the wire: a dead letter of a message without an id must stay without one, or a
    re-published dead letter would carry an idempotency key its sender never chose.
    """

    __slots__ = ()

    def __bool__(self) -> bool:
        return True


NO_MESSAGE_ID = _Unset("")
# Broker bookkeeping that must not follow a dead letter back in when it is re-published.
BROKER_HEADERS = ("x-delivery-count",)


def dead_letter(original: AbstractIncomingMessage, code: str, reason: str) -> Message:
    """The original properties and body, unchanged, plus the two reason headers (CONTRACT §5)."""
    headers = {k: v for k, v in (original.headers or {}).items() if k not in BROKER_HEADERS}
    headers[ERROR_CODE] = code
    headers[ERROR_MESSAGE] = reason[:4000]
    headers[DEAD_AT] = utcnow().isoformat(timespec="seconds")
    return republished(original, headers)


def republished(original: AbstractIncomingMessage, headers: dict[str, Any]) -> Message:
    """`original`'s body and properties as its sender published them, persistent, with
    `headers` instead of its own: a dead letter on its way out, or back in when replayed."""
    again = Message(
        original.body,
        headers=headers,
        content_type=original.content_type,
        content_encoding=original.content_encoding,
        delivery_mode=DeliveryMode.PERSISTENT,
        priority=original.priority,
        correlation_id=original.correlation_id,
        reply_to=original.reply_to,
        expiration=None,
        message_id=original.message_id,
        timestamp=original.timestamp,
        type=original.type,
        user_id=None,
        app_id=original.app_id,
    )
    if not original.message_id:
        again.message_id = NO_MESSAGE_ID  # set after construction, which would str() it
    return again


class Publisher:
    """The channels replies and dead letters go out on.

    Dead letters are persistent and published with confirms: the command is acked only once
    the broker has its letter. Replies are transient messages to a client's reply queue, which
    a broker restart loses whatever its publisher did, so a confirm would buy them nothing: a
    client that misses one resends its command with the same `message_id` and gets the stored
    reply (CONTRACT §6). Without a confirm a reply costs the broker and the worker one frame
    less each way.

    If the broker closes a channel (a publish it refused) while the connection lives, the next
    publish opens another, so one bad publish never silences the worker's replies.
    """

    def __init__(self, connection: AbstractConnection, dead: Exchange) -> None:
        self.connection = connection
        self.dead = dead
        self._replies: AbstractChannel | None = None
        self._letters: AbstractChannel | None = None
        self._dead_exchange: AbstractExchange | None = None

    async def open(self) -> None:
        """Open (or reopen) both channels; the consumer starts only after this."""
        if self._replies is None or self._replies.is_closed:
            self._replies = await self.connection.channel(publisher_confirms=False)
        if self._letters is None or self._letters.is_closed or self._dead_exchange is None:
            self._letters = await self.connection.channel(publisher_confirms=True)
            self._dead_exchange = await declare_exchange(self._letters, self.dead)

    async def reply(self, reply_to: str, message: Message) -> None:
        await self.open()
        assert self._replies is not None
        await self._replies.default_exchange.publish(message, routing_key=reply_to, mandatory=False)

    async def dead_letter(self, routing_key: str, message: Message) -> None:
        await self.open()
        assert self._dead_exchange is not None
        await self._dead_exchange.publish(message, routing_key=routing_key)
