"""Publishing what a command leaves behind: its reply, or a dead letter with the reason."""

from __future__ import annotations

from aio_pika import DeliveryMode, Message
from aio_pika.abc import AbstractExchange, AbstractIncomingMessage

from deployq.consumers.dispatch import Answer

ERROR_CODE = "x-deployq-error-code"
ERROR_MESSAGE = "x-deployq-error-message"


def reply_message(answer: Answer, *, command: str, correlation_id: str | None) -> Message:
    return Message(
        answer.body,
        content_type="application/json",
        correlation_id=correlation_id,
        type=f"{command}.reply",
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
    letter = Message(
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
        letter.message_id = NO_MESSAGE_ID  # set after construction, which would str() it
    return letter


async def publish_reply(
    default_exchange: AbstractExchange, reply_to: str, message: Message
) -> None:
    await default_exchange.publish(message, routing_key=reply_to, mandatory=False)


async def publish_dead_letter(
    dead_exchange: AbstractExchange, routing_key: str, message: Message
) -> None:
    await dead_exchange.publish(message, routing_key=routing_key)
