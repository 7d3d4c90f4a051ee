"""The outbox tests' side of the broker: a namespace of the test's own with a subscriber, a relay
driven by hand, and what the published messages must be."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import aio_pika
import orjson
from aio_pika.abc import AbstractIncomingMessage

from deployq.bootstrap import broker_of
from deployq.consumers.topology import Topology
from deployq.messages.events import Event
from deployq.metrics import Metrics
from deployq.relay import Relay
from deployq.settings import Settings
from deployq.storage.database import Database
from tests.subscriber import Subscriber


@dataclass
class Broker:
    settings: Settings
    connection: aio_pika.abc.AbstractConnection
    subscriber: Subscriber
    db: Database
    now: datetime

    @property
    def namespace(self) -> str:
        return self.subscriber.namespace

    async def relay(self, connection: aio_pika.abc.AbstractConnection | None = None) -> Relay:
        """A relay attached to a confirming channel of its own that never leads; the test
        drives `publish_pending`."""
        channel = await (connection or self.connection).channel(publisher_confirms=True)
        relay = Relay(
            db=self.db,
            database_url=self.db.engine.url.render_as_string(hide_password=False),
            broker=broker_of(self.settings, "outbox test relay"),
            topology=Topology(self.namespace),
            clock=lambda: self.now,
            metrics=Metrics(),
        )
        await relay.attach(channel)
        assert not relay.leading.is_set()
        return relay


def check_published(messages: list[AbstractIncomingMessage], expected: list[Event]) -> None:
    """The messages are the events, in this order, as CONTRACT §4 puts them on the wire."""
    assert [m.message_id for m in messages] == [str(e.id) for e in expected]
    for message, event in zip(messages, expected, strict=True):
        assert message.body == event.body
        assert message.routing_key == event.routing_key
        assert message.type == event.type
        assert message.content_type == "application/cloudevents+json"
        assert message.delivery_mode == aio_pika.DeliveryMode.PERSISTENT
        assert orjson.loads(message.body)["id"] == message.message_id
