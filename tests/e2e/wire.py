"""The test's side of the wire: raw publishing, reply collection and dead-letter watching.

`deployq.client.Client` speaks the contract correctly, so it cannot send a broken message or tell
whether a reply came twice. `Wire` publishes whatever a test asks for, to any namespace, and keeps
every reply (by `correlation_id`) and every dead letter (by `message_id` and `correlation_id`) it
sees, so a test can assert "exactly one" and "none".
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

import aio_pika
import orjson
from aio_pika.abc import (
    AbstractChannel,
    AbstractConnection,
    AbstractIncomingMessage,
    AbstractQueue,
)

from tests.services import delete_namespace
from tests.support import holds, ok, wait_until

JSON = "application/json"
# Passed as `content_type` to publish a message that has no content_type property at all.
NO_CONTENT_TYPE = ""


class _Absent(str):
    """A message_id that aiormq takes as given but pamqp leaves off the wire.

    aiormq gives every published message a random message_id when it has none (it uses the id
    to match returned messages), so through aio-pika no command could ever lack one. An empty
    string that is truthy passes aiormq's `if not message_id` and, being equal to `''`, is not
    written by pamqp: the command arrives without the property, as from any other client.
    """

    __slots__ = ()

    def __bool__(self) -> bool:
        return True


def body_of(message: AbstractIncomingMessage) -> dict[str, Any]:
    value = orjson.loads(message.body)
    assert isinstance(value, dict), value
    return value


def header(message: AbstractIncomingMessage, name: str) -> str | None:
    value = (message.headers or {}).get(name)
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode()
    return None if value is None else str(value)


def check_reply(
    message: AbstractIncomingMessage, *, command: str, correlation_id: str
) -> dict[str, Any]:
    """The reply properties and envelope of CONTRACT §3; returns the parsed body."""
    assert message.correlation_id == correlation_id
    assert message.content_type == JSON
    assert message.type == f"{command}.reply"
    body = body_of(message)
    status = header(message, "status")
    if body.get("ok") is True:
        assert status == "ok", status
        assert set(body) == {"ok", "result"}, body
    else:
        assert status == "error", (status, body)
        assert body.get("ok") is False, body
        assert set(body) == {"ok", "error"}, body
        error = body["error"]
        assert set(error) == {"code", "message", "details"}, error
        assert isinstance(error["code"], str)
        assert isinstance(error["message"], str)
        assert error["message"]
        assert isinstance(error["details"], list)
    return body


class Wire:
    def __init__(self, connection: AbstractConnection, namespace: str) -> None:
        self.connection = connection
        self.namespace = namespace
        self.replies: defaultdict[str, list[AbstractIncomingMessage]] = defaultdict(list)
        self.dead: list[AbstractIncomingMessage] = []
        self._channel: AbstractChannel | None = None
        self._reply_queue: AbstractQueue | None = None
        self._watched: dict[str, AbstractChannel] = {}

    @classmethod
    async def connect(cls, amqp_url: str, namespace: str) -> Wire:
        wire = cls(await aio_pika.connect(amqp_url), namespace)
        wire._channel = await wire.connection.channel(publisher_confirms=True)
        wire._reply_queue = await wire._channel.declare_queue(exclusive=True, auto_delete=True)
        await wire._reply_queue.consume(wire._on_reply, no_ack=True)
        return wire

    async def close(self) -> None:
        await self.connection.close()

    @property
    def channel(self) -> AbstractChannel:
        assert self._channel is not None
        return self._channel

    @property
    def reply_to(self) -> str:
        assert self._reply_queue is not None
        return self._reply_queue.name

    async def _on_reply(self, message: AbstractIncomingMessage) -> None:
        self.replies[message.correlation_id or ""].append(message)

    async def _on_dead(self, message: AbstractIncomingMessage) -> None:
        self.dead.append(message)
        await message.ack()

    async def watch_dead_letters(self, namespace: str) -> None:
        """Consume (and keep) everything that lands on `<namespace>.commands.dead`."""
        if namespace in self._watched:
            return
        channel = self._watched[namespace] = await self.connection.channel()
        queue = await channel.get_queue(f"{namespace}.commands.dead", ensure=True)
        await queue.consume(self._on_dead)

    async def delete_namespace(self, namespace: str) -> None:
        """Stop watching `namespace` and delete its queues and exchanges."""
        watching = self._watched.pop(namespace, None)
        if watching is not None:
            await watching.close()
        channel = await self.connection.channel()
        try:
            await delete_namespace(channel, namespace)
        finally:
            await channel.close()

    async def publish(
        self,
        routing_key: str,
        body: Mapping[str, Any] | bytes,
        *,
        message_id: str | None = None,
        correlation_id: str | None = None,
        reply: bool = True,
        content_type: str = JSON,
        headers: Mapping[str, Any] | None = None,
        namespace: str | None = None,
        **properties: Any,
    ) -> str:
        """Publish one command (persistent, confirmed); returns its correlation_id.

        `message_id=None` publishes without a message_id property at all.
        """
        correlation_id = correlation_id or uuid.uuid4().hex
        message = aio_pika.Message(
            body if isinstance(body, bytes) else orjson.dumps(body),
            content_type=content_type or None,
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            message_id=message_id,
            correlation_id=correlation_id,
            reply_to=self.reply_to if reply else None,
            headers=dict(headers or {}),
            **properties,
        )
        if message_id is None:
            message.message_id = _Absent()
        exchange = await self.channel.get_exchange(
            f"{namespace or self.namespace}.commands", ensure=False
        )
        await exchange.publish(message, routing_key=routing_key)
        return correlation_id

    async def reply(self, correlation_id: str, *, within: float = 15.0) -> AbstractIncomingMessage:
        """The first reply to `correlation_id`, waiting for it if need be."""

        async def arrived() -> list[AbstractIncomingMessage]:
            return self.replies.get(correlation_id, [])

        return (await wait_until(arrived, timeout=within))[0]

    async def call(
        self, command: str, body: Mapping[str, Any] | bytes, **options: Any
    ) -> dict[str, Any]:
        """Publish, wait for the reply, check its properties and return its body."""
        correlation_id = await self.publish(command, body, **options)
        message = await self.reply(correlation_id)
        return check_reply(message, command=command, correlation_id=correlation_id)

    async def write(
        self, command: str, body: Mapping[str, Any] | bytes, **options: Any
    ) -> dict[str, Any]:
        """`call` with a fresh message_id unless the test gives one."""
        options.setdefault("message_id", uuid.uuid4().hex)
        return await self.call(command, body, **options)

    def dead_letters(self, key: str) -> list[AbstractIncomingMessage]:
        """Dead letters whose message_id or correlation_id is `key`."""
        return [m for m in self.dead if key in (m.message_id, m.correlation_id)]

    async def dead_letter(self, key: str, *, within: float = 10.0) -> AbstractIncomingMessage:
        async def arrived() -> list[AbstractIncomingMessage]:
            return self.dead_letters(key)

        return (await wait_until(arrived, timeout=within))[0]

    async def assert_quiet(
        self,
        *,
        replies: Mapping[str, int] | None = None,
        dead: Mapping[str, int] | None = None,
        window: float = 1.0,
    ) -> None:
        """For `window` seconds, the number of replies (by correlation_id) and dead letters (by
        message_id or correlation_id) stays exactly as given: a deadline-bounded wait for a
        message that must not come."""

        async def unchanged() -> None:
            for correlation_id, count in (replies or {}).items():
                got = len(self.replies.get(correlation_id, []))
                assert got == count, f"{correlation_id}: {got} replies, expected {count}"
            for key, count in (dead or {}).items():
                got = len(self.dead_letters(key))
                assert got == count, f"{key}: {got} dead letters, expected {count}"

        await holds(unchanged, window=window)


async def ping(wire: Wire, *, namespace: str | None = None) -> None:
    """The worker still answers."""
    body = await wire.call("system.ping", {}, namespace=namespace)
    assert ok(body)["version"]
