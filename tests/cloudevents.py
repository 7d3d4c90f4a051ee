"""The CloudEvents 1.0 envelope of CONTRACT §4, as every test that reads events checks it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import aio_pika
import orjson
from aio_pika.abc import AbstractIncomingMessage

CLOUDEVENTS = "application/cloudevents+json"
ENVELOPE_KEYS = {
    "specversion",
    "id",
    "source",
    "type",
    "subject",
    "time",
    "datacontenttype",
    "data",
}


def envelope_of(message: AbstractIncomingMessage) -> dict[str, Any]:
    """The envelope of a published event, its AMQP properties checked."""
    envelope: dict[str, Any] = orjson.loads(message.body)
    assert set(envelope) == ENVELOPE_KEYS, envelope
    assert envelope["specversion"] == "1.0"
    assert envelope["source"] == "deployq"
    assert envelope["datacontenttype"] == "application/json"
    assert datetime.fromisoformat(envelope["time"]).tzinfo is not None
    assert message.message_id == envelope["id"]
    assert message.content_type == CLOUDEVENTS
    assert message.type == envelope["type"]
    assert message.delivery_mode == aio_pika.DeliveryMode.PERSISTENT
    return envelope
